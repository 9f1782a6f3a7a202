"""The emails moto keeps, compressed (local/sent_mail.py): read back as the very same text."""
from __future__ import annotations

from email.message import EmailMessage

import boto3
from moto.ses.models import RawMessage, ses_backends

from local import outbox, sent_mail
from tests.conftest import TEST_ENV


def mime(subject: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = TEST_ENV["MAIL_FROM"], "kim@force.example", subject
    message.set_content("Your place on the visit: the cafe at 10:00.\n" * 40)
    message.add_alternative("<p>Your place on the visit: the cafe at 10:00.</p>\n" * 40, subtype="html")
    message.add_attachment("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", subtype="calendar", filename="visit.ics")
    return message.as_bytes()


def sent(data: bytes) -> RawMessage:
    boto3.client("sesv2").send_email(FromEmailAddress=TEST_ENV["MAIL_FROM"],
                                     Destination={"ToAddresses": ["kim@force.example"]},
                                     Content={"Raw": {"Data": data}})
    return ses_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]].sent_messages[-1]


def test_a_sent_email_reads_back_as_moto_kept_it(aws, monkeypatch):
    sent_mail.install()
    data = mime("Your place")
    ours = sent(data)
    text, described = ours.raw_data, outbox.messages("kim@force.example")[-1]
    monkeypatch.delattr(RawMessage, "raw_data")  # moto's own: a plain attribute
    motos = sent(data)

    assert "_local_stack_raw_zipped" in ours.__dict__ and "raw_data" not in ours.__dict__
    assert text == motos.raw_data
    assert "the cafe at 10:00" in described["text"] and described["attachments"][0]["filename"] == "visit.ics"
    assert sent_mail.kept_bytes(ours) * 4 < len(motos.raw_data)  # kept in a quarter of the space or less


def test_the_addresses_moto_reads_from_an_email_are_those_of_its_whole_parse(aws, monkeypatch):
    """moto's SES reads From, To, Cc and Bcc of a raw email: parsing its headers alone reads the same."""
    import email as stdlib_email

    from moto.ses import models

    message = EmailMessage()
    message["From"] = f"Programme team <{TEST_ENV['MAIL_FROM']}>"
    message["To"] = ", ".join(f"Visitor {n} <visitor{n}@force{n}.example>" for n in range(8))  # folded
    message["Cc"], message["Bcc"] = "Siân Évans <sian@uni.example>", "lead@force.example"
    message["Subject"] = "A place for you"
    message.set_content("Hello\n" * 200)
    message.add_alternative("<p>Hello</p>\n" * 200, subtype="html")
    data = message.as_bytes()

    def addresses(source):
        backend = ses_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]]
        sent = backend.send_raw_email(source=source, destinations=[], raw_data=data.decode())
        return sent.source, sent.destinations

    sent_mail.install()
    assert isinstance(models.email, sent_mail._HeadersOnly)
    ours = addresses(None), addresses(TEST_ENV["MAIL_FROM"])
    monkeypatch.setattr(models, "email", stdlib_email)
    motos = addresses(None), addresses(TEST_ENV["MAIL_FROM"])
    assert ours == motos
    assert len(ours[0][1]) == 10 and ours[0][0] == TEST_ENV["MAIL_FROM"]


def test_any_text_round_trips_and_other_values_are_kept_as_they_are():
    sent_mail.install()
    for text in ("", "plain", "é\u2014\U0001f600", "lone \udcff surrogate"):
        assert RawMessage("id", "from@x", ["to@x"], text).raw_data == text
    assert RawMessage("id", "from@x", ["to@x"], b"bytes").raw_data == b"bytes"
    assert not hasattr(RawMessage.__new__(RawMessage), "raw_data")
    assert not sent_mail.has_raw_data(RawMessage.__new__(RawMessage))
    assert sent_mail.has_raw_data(RawMessage("id", "from@x", ["to@x"], "text"))


def test_asking_whether_a_message_has_raw_data_does_not_unpack_it(monkeypatch):
    sent_mail.install()
    message = RawMessage("id", "from@x", ["to@x"], "text")
    monkeypatch.setattr(sent_mail.zlib, "decompressobj", lambda **_: (_ for _ in ()).throw(AssertionError("unpacked")))
    assert sent_mail.has_raw_data(message)


def test_emails_of_one_layout_are_kept_in_a_fraction_of_their_text(monkeypatch):
    sent_mail.install()
    monkeypatch.setattr(sent_mail, "_dictionary", None)  # as in a fresh stack: the first email sets it
    layout = "<style>" + "".join(f".rule-{n} {{ margin: {n}px; color: #1d5a8c; }}\n" for n in range(300)) + "</style>"
    first = RawMessage("1", "from@x", ["to@x"], f"To: kim@force.example\n\n{layout}<p>Hello Kim</p>")
    later = RawMessage("2", "from@x", ["to@x"], f"To: sam@force.example\n\n{layout}<p>Hello Sam</p>")
    assert first.raw_data.endswith("Hello Kim</p>") and later.raw_data.endswith("Hello Sam</p>")
    assert sent_mail.kept_bytes(later) * 10 < len(later.raw_data)  # the layout said once, in the dictionary
