"""`GET /_local/outbox`: every email the local stack sent, read back from moto's SES.

moto keeps what SES v2 sends in its SES v1 backend, as the raw MIME message. Each is parsed
into the contract's shape; `sent_at` is the message's `Date:` header, which the mailer sets
from the (virtual) clock.
"""
from __future__ import annotations

import base64
import os
from datetime import timezone
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from local.sent_mail import has_raw_data  # kept compressed: asking whether there is one must not unpack it

DEFAULT_REGION = "eu-west-2"


def messages(to: str | None = None) -> list[dict]:
    """Every sent email, oldest first; only those addressed to `to` (any case) when given."""
    found = [_describe(sent) for sent in _sent_messages() if has_raw_data(sent)]
    if to:
        wanted = to.strip().lower()
        found = [m for m in found if wanted in (address.lower() for address in m["to"])]
    return found


def find(message_id: str) -> tuple[EmailMessage, dict] | None:
    """One sent email as parsed MIME and as the outbox describes it, or None."""
    for sent in _sent_messages():
        if getattr(sent, "id", None) == message_id and has_raw_data(sent):
            return message_from_string(sent.raw_data, policy=policy.default), _describe(sent)
    return None


def _sent_messages() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID  # moto is a local-only dependency: import on use
    from moto.ses.models import ses_backends

    account = os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
    region = os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)
    return list(ses_backends[account][region].sent_messages)  # a copy: sending may go on meanwhile


def _describe(sent) -> dict:
    message: EmailMessage = message_from_string(sent.raw_data, policy=policy.default)
    return {
        "message_id": sent.id,
        "to": [address for _, address in getaddresses(message.get_all("To", [])) if address],
        "from": str(message.get("From", "")).strip(),
        "reply_to": str(message.get("Reply-To", "")).strip(),
        "subject": str(message.get("Subject", "")).strip(),  # a folded header keeps its leading space
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
        "attachments": [_attachment(part) for part in message.iter_attachments()],
        "sent_at": _sent_at(message),
    }


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    # MIME carries CRLF line ends; give the body back with the newlines it was written with.
    return part.get_content().replace("\r\n", "\n") if part is not None else ""


def _attachment(part: EmailMessage) -> dict:
    content = part.get_content()
    if isinstance(content, bytes):  # binary attachments travel as base64 text in JSON
        content = base64.b64encode(content).decode("ascii")
    return {"filename": part.get_filename(), "content_type": part.get_content_type(), "content": content}


def _sent_at(message: EmailMessage) -> str | None:
    date = message.get("Date")
    if date is None:
        return None
    moment = parsedate_to_datetime(str(date))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
