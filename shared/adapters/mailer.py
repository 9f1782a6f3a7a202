"""Sends the programme's emails: SES v2 in AWS and over moto, an in-memory fake in unit tests.

The values it sends (`Email`, `Attachment`) and the `Mailer` protocol live in `shared/models/email.py`.

Every email goes out as one raw MIME message: a multipart/alternative (text/plain, text/html),
inside a multipart/mixed followed by the attachments (such as an invitation .ics) when it has any. The `Date:`
header is the injected clock's now, so the local stack's outbox reports virtual time.
"""
from __future__ import annotations

import base64
import binascii
import functools
import random
import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from email import policy
from email.header import Header
from email.message import Message
from email.utils import format_datetime, make_msgid, parseaddr

import boto3

from shared import clock
from shared.adapters import faults
from shared.models.email import Attachment, Email, Mailer

__all__ = ["Attachment", "Email", "Mailer", "RecordingMailer", "SesMailer", "mime_message"]  # the values re-exported

# 7bit forces quoted-printable/base64 bodies and encoded headers: any relay accepts them.
MIME_POLICY = policy.SMTP.clone(cte_type="7bit")
CRLF = MIME_POLICY.linesep
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
    """The raw MIME bytes of `email` as sent by `sender` at `sent_at` (replies to `reply_to`).

    Written out part by part rather than through `EmailMessage` (set_content, add_alternative,
    as_bytes), which parses and folds each header again at every step and re-encodes the bodies in
    Python: that took ~2 ms an email, ~8% of the demo's CPU. What a recipient reads is the same: the
    header values are still encoded (RFC 2047/2231) and folded by the stdlib's `MIME_POLICY` (but a
    non-ASCII subject, see `_header`), the bodies encoded as it would (7bit, quoted-printable or
    base64) by `binascii`.
    """
    headers = [_header("From", sender)]
    if reply_to:
        headers.append(_header("Reply-To", reply_to))
    headers += [_header("To", ", ".join(email.to)), _header("Subject", email.subject),
                f"Date: {format_datetime(sent_at.astimezone(timezone.utc))}{CRLF}",
                f"Message-ID: {make_msgid(domain=_domain_of(sender))}{CRLF}",
                f"MIME-Version: 1.0{CRLF}"]
    body = _multipart("alternative", [_text_part("plain", email.text), _text_part("html", email.html)])
    if email.attachments:
        body = _multipart("mixed", [body, *(_attachment(a) for a in email.attachments)])
    return ("".join(headers) + body).encode("ascii")


@functools.lru_cache(maxsize=256)
def _header(name: str, value: str) -> str:
    """`Name: value` and its line end, as `EmailMessage` would write it (a value holding a line
    break is refused). Cached: the sender and the parts' types are the same in every email."""
    header = MIME_POLICY.header_store_parse(name, value)[1]
    if name == "Subject" and not value.isascii():
        # The policy's fold loses the space between two encoded words in about one non-ASCII
        # subject in ten (CPython gh-144156, fixed after 3.11): `Header` encodes every character.
        return f"{name}: {Header(value.strip(), 'utf-8', header_name=name).encode(linesep=CRLF)}{CRLF}"
    return header.fold(policy=MIME_POLICY)


def _multipart(subtype: str, parts: list[str]) -> str:
    """A multipart entity (its Content-Type and body) holding `parts`, each its headers and body."""
    inside = "".join(parts)
    boundary = _boundary()
    while boundary in inside:  # as unlikely as the stdlib's own check
        boundary = _boundary()
    delimiter = f"{CRLF}--{boundary}{CRLF}"
    return (f'Content-Type: multipart/{subtype};{CRLF} boundary="{boundary}"{CRLF}{CRLF}'
            f"--{boundary}{CRLF}" + delimiter.join(parts) + f"{CRLF}--{boundary}--{CRLF}")


def _boundary() -> str:
    return f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="


def _text_part(subtype: str, text: str) -> str:
    encoding, body = _encoded_text(text)
    return (_header("Content-Type", f'text/{subtype}; charset="utf-8"')
            + f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}{body}")


def _attachment(attachment: Attachment) -> str:
    maintype, subtype, params = _content_type(attachment)
    if isinstance(attachment.content, str):
        if maintype != "text":
            raise ValueError(f"{attachment.filename}: text content needs a text/* type")
        params = {"charset": "utf-8", **params}
        encoding, body = _encoded_text(attachment.content)
    else:
        encoding, body = "base64", _base64(attachment.content)
    return (_header("Content-Type", _with_params(f"{maintype}/{subtype}", params))
            + _header("Content-Disposition", _with_params("attachment", {"filename": attachment.filename}))
            + f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}{body}")


def _with_params(value: str, params: dict[str, str]) -> str:
    header = Message()
    header.add_header("X", value, **params)  # quotes each value, RFC 2231 when not ASCII
    return header["X"]


def _encoded_text(text: str) -> tuple[str, str]:
    """(Content-Transfer-Encoding, body) of `text` in UTF-8 with CRLF line ends, chosen as the
    stdlib chooses under a 7bit policy: as it is when ASCII in short lines, otherwise
    quoted-printable, or base64 where that is shorter (text mostly not in Latin script)."""
    lines = text.encode("utf-8").splitlines()
    data = b"\r\n".join(lines) + b"\r\n"
    if data.isascii() and max(map(len, lines), default=0) <= MIME_POLICY.max_line_length:
        return "7bit", data.decode("ascii")
    quoted = binascii.b2a_qp(data, istext=True)  # keeps the CRLFs; soft breaks before 76 characters
    if len(quoted) > (len(data) + 2) // 3 * 4 * 78 // 76:  # base64's length, in lines of 76 and CRLF
        return "base64", _base64(data)
    return "quoted-printable", quoted.decode("ascii")


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", CRLF)  # lines of 76


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
