"""Every email the programme sends goes through `send_once`: claim, send, mark sent.

The claim is a conditional write keyed on (visit, kind, occasion, recipient), so a retry, a
duplicate event or two overlapping runs send nothing twice. A claim whose send failed (no
`sent_at` after a while) may be taken again, so a failed send is retried rather than lost.
These records are also the "sent" half of the visit's timeline.
"""
from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared import clock, mailers
from shared.domain import erasure
from shared.domain.rendering import render_email
from shared.errors import NotFound
from shared.models.email import Attachment, Email, Mailer
from shared.models.visit import Visit
from shared.services import visits
from shared.settings import settings
from shared.store.sent import NO_ONE, SentRecord

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

STALE_CLAIM = timedelta(minutes=10)


def mailer() -> Mailer:
    """The mailer in use (`shared/mailers.py` chooses it: SES's, built on the first send)."""
    return mailers.mailer()


def use_mailer(replacement: Mailer | None) -> None:
    """Tests swap in a recording mailer (None: back to SES)."""
    mailers.use(replacement)


def compose(to: str, template: str, /, attachments: tuple[Attachment | None, ...] = (), **context) -> Email:
    """The email `template` rendered for one recipient; absent attachments (None) are left out.

    Every email is signed by the programme team and ends with its contact line.
    """
    subject, text, html = render_email(template, team=settings().programme_team, **context)
    return Email(to=(to,), subject=subject, text=text, html=html,
                 attachments=tuple(a for a in attachments if a is not None))


def send_once(stores: Stores, *, visit: Visit, kind: str, occasion: str, recipient: str, email: Email,
              due_at: datetime | None = None, application_id: str | None = None) -> bool:
    """Send `email` unless this (visit, kind, occasion, recipient) was already sent; True if sent now.

    `occasion` tells apart what must be sent again: a date version, a week, an offer round.
    The record is kept as long as the visit's personal data (every caller has the visit at hand).
    """
    if any(erasure.is_erased_address(address) for address in (recipient, *email.to)):
        return False  # an erased person is never written to again
    now = clock.now()
    sent = stores.sent
    record = SentRecord(visit_id=visit.visit_id, kind=kind, occasion=occasion, recipient=recipient, claimed_at=now,
                        due_at=due_at or now, subject=email.subject, application_id=application_id)
    claim = sent.claim(record, visit=visit, stale_before=now - STALE_CLAIM)
    if claim is None:
        return False
    try:
        message_id = mailer().send(email)
    except Exception:
        # Give the claim back at once: the redelivered event (SQS retries within minutes, well
        # before the claim would turn stale) must find it free and send, not skip.
        sent.release(claim)
        raise
    _keep_copy(stores, sent.mark_sent(claim, sent_at=clock.now(), message_id=message_id), email)
    return True


def _visit(stores: Stores, visit_id: str) -> Visit | None:
    try:
        return visits.find(stores, visit_id)
    except NotFound:
        return None  # an email about a visit gone is still kept the minimum time


# A copy is kept so that a coordinator can resend the email; attachments larger than this in all are
# left out of it (the item must stay well under DynamoDB's 400 KB).
MAX_COPIED_ATTACHMENTS = 200 * 1024


def _keep_copy(stores: Stores, record: SentRecord, email: Email) -> None:
    size = sum(len(a.content) for a in email.attachments)
    attachments = [] if size > MAX_COPIED_ATTACHMENTS else [
        {"filename": a.filename, "content_type": a.content_type, "text": a.content} if isinstance(a.content, str)
        else {"filename": a.filename, "content_type": a.content_type, "bytes": base64.b64encode(a.content).decode()}
        for a in email.attachments]
    copy = {"subject": email.subject, "text": email.text, "html": email.html, "attachments": attachments,
            "attachments_left_out": bool(email.attachments) and not attachments}
    if record.keep_until is not None:  # the record as marked sent: kept as long as it
        copy["expires_at"] = int(record.keep_until.timestamp())
    stores.extras.keep_copy(record.visit_id, record.kind, record.occasion, record.recipient, copy)


def copy_of(stores: Stores, visit_id: str, kind: str, occasion: str, recipient: str) -> Email | None:
    """The email as it was sent (None if no copy was kept, or its attachments were too large to keep)."""
    item = stores.extras.copy(visit_id, kind, occasion, recipient)
    if item is None or item.get("attachments_left_out"):
        return None
    attachments = tuple(Attachment(a["filename"], a["content_type"],
                                   a["text"] if "text" in a else base64.b64decode(a["bytes"]))
                        for a in item.get("attachments", []))
    return Email(to=(recipient,), subject=item["subject"], text=item["text"], html=item["html"],
                 attachments=attachments)


def record_skipped(stores: Stores, visit_id: str, kind: str, occasion: str, reason: str, *,
                   due_at: datetime | None = None, visit: Visit | None = None) -> None:
    """A planned communication that went to no one, and why: the timeline shows it `skipped`."""
    now = clock.now()
    stores.sent.skip(SentRecord(visit_id=visit_id, kind=kind, occasion=occasion, recipient=NO_ONE, claimed_at=now,
                                  due_at=due_at or now, reason=reason), visit=visit or _visit(stores, visit_id))


def already_sent(stores: Stores, visit_id: str, kind: str, occasion: str, recipient: str) -> bool:
    """Checked before composing, so a re-delivered event issues no fresh links."""
    record = stores.sent.find(visit_id, kind, occasion, recipient)
    return bool(record and record.sent_at)


def sent_records(stores: Stores, visit_id: str) -> list[SentRecord]:
    """What was sent (or claimed) for a visit, for its timeline."""
    return stores.sent.of_visit(visit_id)
