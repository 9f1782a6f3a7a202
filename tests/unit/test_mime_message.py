"""The raw MIME of an email reads, to its recipient, exactly as the stdlib's `EmailMessage` would write it.

`mime_message` writes the message out directly (for speed); each representative email below is also
built the stdlib's way (`stdlib_message`, the mailer's former code), and both are parsed as a mail
client would (`policy.default`): every header value, the structure and every decoded part must match.
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.adapters.mailer import MIME_POLICY, Attachment, Email, mime_message
from shared.domain.calendar import calendar_event

SENT_AT = datetime(2017, 1, 12, 9, 30, tzinfo=timezone.utc)
TEAM = '"Peer Learning Visits team" <programme@peer-learning.example>'
TEAM_NON_ASCII = '"Équipe des visites, Île-de-France" <programme@peer-learning.example>'
REPLY_TO = "visits-team@peer-learning.example"
STYLESHEET = (Path(__file__).parents[2] / "shared" / "templates" / "style.css").read_text(encoding="utf-8")


def stdlib_message(email: Email, *, sender: str, sent_at: datetime, reply_to: str | None = None) -> bytes:
    """The same email through `EmailMessage` (set_content, add_alternative, add_attachment, as_bytes)."""
    message = EmailMessage(policy=MIME_POLICY)
    message["From"] = sender
    if reply_to:
        message["Reply-To"] = reply_to
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(sent_at.astimezone(timezone.utc))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    message["MIME-Version"] = "1.0"
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        header = Message()
        header["Content-Type"] = attachment.content_type
        params = {k: v for k, v in header.get_params()[1:] if k != "charset"}
        if header.get_content_type() == "text/calendar":
            text = attachment.content if isinstance(attachment.content, str) else attachment.content.decode()
            params["method"] = re.search(r"^METHOD:(\S+)", text, re.M).group(1)
        if isinstance(attachment.content, str):
            message.add_attachment(attachment.content, subtype=header.get_content_subtype(), charset="utf-8",
                                   filename=attachment.filename, params=params)
        else:
            message.add_attachment(attachment.content, maintype=header.get_content_maintype(),
                                   subtype=header.get_content_subtype(), filename=attachment.filename, params=params)
    return message.as_bytes()


def invitation(method: str = "REQUEST", summary: str = "Wellbeing visit") -> str:
    start = datetime(2017, 1, 19, 10, tzinfo=timezone.utc)
    return calendar_event(uid="visit-v1@peer-learning-visits", sequence=1, method=method, summary=summary,
                          description="A day with the host.\nBring photo ID.", location="Preston",
                          starts_at=start, ends_at=start + timedelta(hours=6),
                          organizer_email="programme@peer-learning.example", attendee_email="alex@force.example",
                          stamp=SENT_AT)


def page(body: str) -> str:
    """An email's HTML as the programme sends it: the shared stylesheet inlined, then the body."""
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<style>\n{STYLESHEET}</style>\n'
            f'</head>\n<body>\n<main class="email">{body}</main>\n</body>\n</html>\n')


OFFER_TEXT = ("Hello Gareth Green,\n\nGood news: we can offer you a place on this peer learning visit.\n\n"
              "  Visit: Peer learning visit 1: Lancashire Constabulary\n"
              "Please confirm your place by Friday 23 December 2016, 17:00 GMT, with the \"Confirm my place\" link "
              "below. The calendar's own Accept button does not confirm it.\n\n"
              "Confirm my place: http://127.0.0.1:42941/links/pIWD-P7x32NtfXa06QRpWyspqQw5z41k\n"
              "Withdraw: http://127.0.0.1:42941/links/1kCy0maNhISFgmD2pypNHIZDxUHxHMsE\n\n-- \nQuestions? Reply.")

EMAILS = {
    "received, ASCII": (TEAM, REPLY_TO, Email(
        to=("alex@force.example",), subject="Application received: Peer learning visit 1",
        text="Thanks, Alex.\nWe have your application.", html=page("<p>Thanks, Alex.</p>"))),
    "offer with its invitation": (TEAM, REPLY_TO, Email(
        to=("gareth.green28@staffordshirepolice.example",),
        subject="A place for you: Peer learning visit 1: Lancashire Constabulary (please confirm by Friday 23 "
                "December 2016)",
        text=OFFER_TEXT, html=page("<p>" + OFFER_TEXT.replace("\n", "<br>\n") + "</p>"),
        attachments=(Attachment("visit.ics", "text/calendar; method=REQUEST", invitation()),))),
    "cancellation: the .ics says the method": (TEAM, None, Email(
        to=("alex@force.example",), subject="Cancelled", text="", html="",
        attachments=(Attachment("visit.ics", "text/calendar; method=REQUEST", invitation("CANCEL")),))),
    "non-ASCII names and subject, many recipients": (TEAM_NON_ASCII, "Zoë Ångström <zoe@uni.example>", Email(
        to=tuple(f"lead{n}@organisation-number-{n}.example" for n in range(6)),
        subject="Une place pour vous — visite d’apprentissage « Bien-être » à Montréal, confirmez avant vendredi",
        text="Bonjour Zoë,\n\nVoici l’invitation — à bientôt !\n" + "é" * 120 + "\n",
        html=page("<p>Bonjour Zoë — à bientôt&nbsp;!</p>"),
        attachments=(Attachment("visit.ics", "text/calendar; method=REQUEST", invitation(summary="Visite à Lyon")),))),
    "mostly not Latin script": (TEAM, REPLY_TO, Email(
        to=("yuki@uni.example",), subject="訪問のご案内 — Приглашение на визит",
        text="こんにちは、ゆきさん。\n" * 30 + "Здравствуйте!\n" * 10, html=page("<p>" + "訪問" * 400 + "</p>"))),
    "awkward text": (TEAM, REPLY_TO, Email(
        to=("sam@uni.example",), subject="  Spaces,  tabs\tand a very long unbroken word: " + "x" * 90,
        text=("trailing spaces   \n.\nFrom the start of a line\n\tindented\r\nold Mac line\rend\n"
              "a=b and =3D as written\n" + "long " * 60 + "\n" + "y" * 200 + "\ncontrol \x01 \x7f\n\n\n"),
        html="<p>" + "z" * 500 + "</p>")),
    "attachments of every kind": (TEAM, REPLY_TO, Email(
        to=("lead@force.example",), subject="Your visitors and their questions",
        text="Attached.", html=page("<p>Attached.</p>"),
        attachments=(Attachment("visitors.csv", "text/csv", "name,question\nZoë,\"Why, and how?\"\n" * 40),
                     Attachment("Programme — résumé 2017.pdf", "application/pdf",
                                random.Random(7).randbytes(5000)),
                     Attachment('notes "draft".txt', "text/plain; charset=latin-1", "d\u00e9j\u00e0 vu".encode()),
                     Attachment("empty.bin", "application/octet-stream", b""),
                     Attachment("visit.ics", "text/calendar", invitation().encode())))),
}


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def shape(part: EmailMessage) -> tuple:
    """A part's type with its parameters (not the boundary), disposition, filename, and its children's
    shapes or its decoded content."""
    params = tuple((k, v) for k, v in part["Content-Type"].params.items() if k != "boundary")
    own = (part.get_content_type(), params, part.get_content_disposition(), part.get_filename())
    if part.is_multipart():
        return own + tuple(shape(child) for child in part.iter_parts())
    return own + (part.get_content(),)


HEADERS = ("From", "Reply-To", "To", "Subject", "Date", "MIME-Version")


@pytest.mark.parametrize("name", EMAILS)
def test_a_recipient_reads_the_same_email_as_the_stdlib_would_write(name):
    sender, reply_to, email = EMAILS[name]

    ours = parsed(mime_message(email, sender=sender, sent_at=SENT_AT, reply_to=reply_to))
    theirs = parsed(stdlib_message(email, sender=sender, sent_at=SENT_AT, reply_to=reply_to))

    for header in HEADERS:  # the same text, however encoded
        assert str(ours[header]) == str(theirs[header]), header
        assert ours.get_all(header) == theirs.get_all(header), header
    assert re.fullmatch(r"<[^<>@\s]+@peer-learning\.example>", str(ours["Message-ID"]))
    assert shape(ours) == shape(theirs)
    assert not ours.defects and not any(part.defects for part in ours.walk())


@pytest.mark.parametrize("name", EMAILS)
def test_each_part_says_what_the_email_says(name):
    sender, reply_to, email = EMAILS[name]

    message = parsed(mime_message(email, sender=sender, sent_at=SENT_AT, reply_to=reply_to))

    assert message["Subject"] == email.subject.strip()
    assert [a.addr_spec for a in message["To"].addresses] == list(email.to)
    assert message["From"].addresses[0].display_name == parseaddr(sender)[0]
    assert message["Date"].datetime == SENT_AT
    body, *attachments = message.iter_parts() if email.attachments else (message,)
    assert message.get_content_type() == ("multipart/mixed" if email.attachments else "multipart/alternative")
    assert body.get_content_type() == "multipart/alternative"
    text, html = body.iter_parts()
    assert lines(text.get_content()) == lines(email.text)
    assert lines(html.get_content()) == lines(email.html)
    assert len(attachments) == len(email.attachments)
    for part, attachment in zip(attachments, email.attachments):
        assert part.get_filename() == attachment.filename and part.get_content_disposition() == "attachment"
        if isinstance(attachment.content, str):
            assert lines(part.get_content()) == lines(attachment.content)
        else:
            assert part.get_payload(decode=True) == attachment.content


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" abcdefghij,;:«»—éàüß訪問Пр😀\t\"()<>=?_", min_size=1, max_size=160))
def test_a_non_ascii_subject_reads_as_written_to_every_space(subject):
    """The stdlib's own fold (Python 3.11) drops a space in some, e.g. "Bien-être » à Montréal"."""
    assume(not subject.isascii())
    email = Email(to=("sam@uni.example",), subject=subject, text="t", html="h")

    raw = mime_message(email, sender=TEAM, sent_at=SENT_AT)

    assert parsed(raw)["Subject"] == subject.strip()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_a_calendar_part_carries_the_method_of_its_ics():
    _, _, email = EMAILS["cancellation: the .ics says the method"]

    message = parsed(mime_message(email, sender=TEAM, sent_at=SENT_AT))

    [calendar] = message.iter_attachments()
    assert calendar.get_content_type() == "text/calendar" and calendar.get_param("method") == "CANCEL"


@pytest.mark.parametrize("name", EMAILS)
def test_every_line_is_7bit_crlf_and_within_78_characters(name):
    sender, reply_to, email = EMAILS[name]

    raw = mime_message(email, sender=sender, sent_at=SENT_AT, reply_to=reply_to)

    assert raw.isascii() and raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_a_body_holding_the_boundary_gets_another_boundary(monkeypatch):
    taken = "=" * 15 + "0" * 18 + "1=="
    email = Email(to=("sam@uni.example",), subject="s", text=f"--{taken}\nstill the text", html="<p>h</p>")
    drawn = iter([1, 2, 3])
    monkeypatch.setattr(random, "randrange", lambda *_: next(drawn))

    message = parsed(mime_message(email, sender=TEAM, sent_at=SENT_AT))

    text, html = message.iter_parts()
    assert lines(text.get_content()) == [f"--{taken}", "still the text"] and html.get_content_type() == "text/html"


def test_a_header_value_with_a_line_break_is_refused():
    email = Email(to=("sam@uni.example",), subject="Hello\r\nBcc: everyone@example.org", text="t", html="h")

    with pytest.raises(ValueError):
        mime_message(email, sender=TEAM, sent_at=SENT_AT)


def test_text_content_needs_a_text_type():
    email = Email(to=("sam@uni.example",), subject="s", text="t", html="h",
                  attachments=(Attachment("a.pdf", "application/pdf", "not bytes"),))

    with pytest.raises(ValueError, match="a.pdf"):
        mime_message(email, sender=TEAM, sent_at=SENT_AT)


def lines(text: str) -> list[str]:
    """The lines as read, whatever their ends (an empty text goes as one empty line)."""
    return text.splitlines() or [""]
