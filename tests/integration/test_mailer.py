"""The SES mailer over moto, read back through the local stack's outbox."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from moto import mock_aws

from local import outbox
from shared.adapters.mailer import Attachment, Email, SesMailer
from shared.domain.calendar import calendar_event

SENDER = "programme@peer-learning.example"
SENT_AT = datetime(2017, 1, 12, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def ses(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    with mock_aws():
        boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)  # moto refuses unverified senders
        yield


def invitation(attendee: str) -> str:
    start = datetime(2017, 1, 19, 10, tzinfo=timezone.utc)
    return calendar_event(uid="visit-v1@peer-learning-visits", sequence=1, method="REQUEST", summary="Wellbeing visit",
                          description="A day with the host.", location="Preston", starts_at=start,
                          ends_at=start + timedelta(hours=6), organizer_email=SENDER, attendee_email=attendee,
                          stamp=SENT_AT)


def offer(to: str, subject: str = "A place for you — Wellbeing visit") -> Email:
    return Email(to=(to,), subject=subject, text="Hello Alex,\nPlease confirm: £0 to pay.",
                 html="<p>Hello Alex, please confirm.</p>",
                 attachments=(Attachment("invite.ics", "text/calendar; method=REQUEST", invitation(to)),))


def test_a_sent_email_appears_in_the_outbox_with_its_invitation(ses):
    mailer = SesMailer(sender=SENDER, now=lambda: SENT_AT)

    message_id = mailer.send(offer("alex@force.example"))

    [message] = outbox.messages()
    assert message["message_id"] == message_id
    assert message["to"] == ["alex@force.example"]
    assert message["subject"] == "A place for you — Wellbeing visit"
    assert message["text"].strip() == "Hello Alex,\nPlease confirm: £0 to pay."
    assert message["html"].strip() == "<p>Hello Alex, please confirm.</p>"
    assert message["sent_at"] == "2017-01-12T09:30:00Z"
    [attachment] = message["attachments"]
    assert attachment["filename"] == "invite.ics" and attachment["content_type"] == "text/calendar"
    assert "METHOD:REQUEST" in attachment["content"]
    assert "UID:visit-v1@peer-learning-visits" in attachment["content"]


def test_the_outbox_filters_by_recipient_in_any_case_and_keeps_order(ses):
    mailer = SesMailer(sender=SENDER, now=lambda: SENT_AT)
    mailer.send(offer("alex@force.example", subject="first"))
    mailer.send(offer("sam@uni.example", subject="second"))
    mailer.send(offer("Alex@Force.example", subject="third"))

    assert [m["subject"] for m in outbox.messages()] == ["first", "second", "third"]
    assert [m["subject"] for m in outbox.messages(to="ALEX@force.example")] == ["first", "third"]
    assert outbox.messages(to="nobody@example.org") == []


def test_the_calendar_part_carries_the_method_of_its_ics(ses):
    cancel = invitation("alex@force.example").replace("METHOD:REQUEST", "METHOD:CANCEL")
    email = Email(to=("alex@force.example",), subject="Cancelled", text="t", html="<p>h</p>",
                  attachments=(Attachment("invite.ics", "text/calendar; method=REQUEST", cancel),))

    SesMailer(sender=SENDER, now=lambda: SENT_AT).send(email)

    from moto.ses.models import ses_backends
    [raw] = ses_backends["123456789012"]["eu-west-2"].sent_messages
    assert 'method="CANCEL"' in raw.raw_data


def test_the_client_is_created_on_first_send_not_before(ses):
    mailer = SesMailer(sender=SENDER)
    assert mailer._client is None

    mailer.send(offer("alex@force.example"))

    assert mailer._client is not None


def test_an_email_without_attachments_has_none_in_the_outbox(ses):
    email = Email(to=("sam@uni.example",), subject="Application received", text="Thanks, Sam.", html="<p>Thanks, Sam.</p>")

    SesMailer(sender=SENDER, now=lambda: SENT_AT).send(email)

    [message] = outbox.messages(to="sam@uni.example")
    assert message["attachments"] == [] and message["text"] == "Thanks, Sam.\n"


def test_an_email_comes_from_the_team_by_name_and_replies_go_to_its_inbox(ses):
    mailer = SesMailer(sender=f'"Peer Learning Visits team" <{SENDER}>', reply_to="visits-team@peer-learning.example",
                       now=lambda: SENT_AT)

    mailer.send(offer("alex@force.example"))

    [message] = outbox.messages(to="alex@force.example")
    assert message["from"] == f"Peer Learning Visits team <{SENDER}>"
    assert message["reply_to"] == "visits-team@peer-learning.example"
