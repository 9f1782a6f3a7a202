"""Sends the programme's emails: SES v2 in AWS and over moto, an in-memory fake in unit tests.

The values it sends (`Email`, `Attachment`) and the `Mailer` protocol live in `shared/models/email.py`.

Every email goes out as one raw MIME message: multipart/mixed holding a multipart/alternative
(text/plain, text/html) and then the attachments (such as an invitation .ics). The `Date:`
header is the injected clock's now, so the local stack's outbox reports virtual time.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid, parseaddr

import boto3

from shared import clock
from shared.adapters import faults
from shared.models.email import Attachment, Email, Mailer

__all__ = ["Attachment", "Email", "Mailer", "RecordingMailer", "SesMailer", "mime_message"]  # the values re-exported

# 7bit forces quoted-printable/base64 bodies and encoded headers: any relay accepts them.
MIME_POLICY = policy.SMTP.clone(cte_type="7bit")
ICS_METHOD = re.compile(r"^METHOD:\s*([A-Za-z-]+)\s*$", re.MULTILINE)


class SesMailer:
    """SES v2 `send_email` with the raw MIME message; the client is created on first send.

    `sender` may carry a display name (`"Programme team" <programme@example.org>`); `reply_to`
    is where recipients' replies go.
    """

    SEND_ATTEMPTS = 3

    def __init__(self, sender: str, client=None, now: Callable[[], datetime] = clock.now,
                 reply_to: str | None = None):
        self.sender = sender
        self.reply_to = reply_to
        self._client = client
        self._now = now

    def send(self, email: Email) -> str:
        """Throttling and other transient refusals are retried a few times (jittered); then they propagate."""
        raw = mime_message(email, sender=self.sender, sent_at=self._now(), reply_to=self.reply_to)

        def attempt() -> str:
            faults.check("email_send", "SendEmail")
            answer = self._sesv2().send_email(FromEmailAddress=self.sender,
                                              Destination={"ToAddresses": list(email.to)},
                                              Content={"Raw": {"Data": raw}})
            return answer["MessageId"]

        return faults.retried(attempt, attempts=self.SEND_ATTEMPTS)

    def _sesv2(self):
        if self._client is None:
            self._client = boto3.client("sesv2")
        return self._client


class RecordingMailer:
    """Keeps what would have been sent, for unit tests."""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"recorded-{len(self.sent)}"

    def to(self, address: str) -> list[Email]:
        """What was sent to `address` (compared case-insensitively)."""
        return [e for e in self.sent if address.lower() in (t.lower() for t in e.to)]


def mime_message(email: Email, *, sender: str, sent_at: datetime, reply_to: str | None = None) -> bytes:
    """The raw MIME bytes of `email` as sent by `sender` at `sent_at` (replies to `reply_to`)."""
    message = EmailMessage(policy=MIME_POLICY)
    message["From"] = sender
    if reply_to:
        message["Reply-To"] = reply_to
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(sent_at.astimezone(timezone.utc))
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message["MIME-Version"] = "1.0"
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        _attach(message, attachment)  # the first one turns the message into multipart/mixed
    return message.as_bytes()


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    maintype, subtype, params = _content_type(attachment)
    if isinstance(attachment.content, str):
        if maintype != "text":
            raise ValueError(f"{attachment.filename}: text content needs a text/* type")
        message.add_attachment(attachment.content, subtype=subtype, charset="utf-8",
                               filename=attachment.filename, params=params)
    else:
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=attachment.filename, params=params)


def _content_type(attachment: Attachment) -> tuple[str, str, dict[str, str]]:
    """(maintype, subtype, params) of the attachment; a calendar's method comes from the .ics itself."""
    header = Message()
    header["Content-Type"] = attachment.content_type
    params = {k: v for k, v in header.get_params()[1:] if k != "charset"}
    if header.get_content_type() == "text/calendar":
        params.update(_ics_method(attachment.content))
    return header.get_content_maintype(), header.get_content_subtype(), params


def _ics_method(content: str | bytes) -> dict[str, str]:
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    found = ICS_METHOD.search(text)
    return {"method": found.group(1).upper()} if found else {}


def _domain_of(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"
