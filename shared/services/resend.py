"""Coordinators resend any email on a visit's timeline to its recipient, and reissue a visitor's links.

Every email sent keeps a copy beside its send-once record (`VISIT#{vid}` / `COPY#{kind}#{occasion}#{to}`,
see `outbound.send_once`). A resend sends that copy again to the same recipient, with every link it
carried replaced by a fresh one for the same application, action and deadline; it shows on the
timeline as kind `resend` (occasion `{kind}#{occasion}#{n}`). A reissue sends the visitor a fresh
link for each action open to them now (kind `links_reissued`). Old links keep working until they expire.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared import clock
from shared.domain import plan as planning
from shared.errors import Conflict, NotFound
from shared.models.application import GONE, Application
from shared.models.email import Email
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.domain.links import FOLLOW_UP as LINK_WINDOW

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

RESEND, REISSUE = "resend", "links_reissued"
LINK_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+/links/([A-Za-z0-9_\-]{16,})")


# --- resending ---------------------------------------------------------------------------------

def resend(stores: Stores, visit_id: str, kind: str, occasion: str, to: str) -> tuple[int, dict]:
    """Send the email (kind, occasion) to `to` again, with fresh links; 404 if it was never sent to them."""
    visit = visits.find(stores, visit_id)
    record = stores.sent.find(visit_id, kind, occasion, to)
    if record is None or not record.sent_at:
        raise NotFound(f"no {kind} email ({occasion}) was sent to {to} for this visit")
    copy = outbound.copy_of(stores, visit_id, kind, occasion, to) or _rebuilt(stores, visit_id, kind, occasion, record)
    if copy is None:
        raise Conflict("no copy of this email was kept (it was sent before copies were, or its attachments were "
                       "too large to keep), so it cannot be resent")
    refreshed, count = _fresh_links(stores, copy)
    resends = [r for r in stores.sent.of_visit(visit_id, kind=RESEND, occasion_prefix=f"{kind}#{occasion}#")
               if r.recipient.lower() == to.lower()]
    again = f"{kind}#{occasion}#{len(resends) + 1}"
    outbound.send_once(stores, visit=visit, kind=RESEND, occasion=again, recipient=to, email=refreshed,
                       application_id=record.application_id)
    return 200, {"visit_id": visit_id, "kind": kind, "occasion": occasion, "to": to.lower(),
                 "resend_occasion": again, "fresh_links": count, "resent_at": clock.iso(clock.now())}


def _rebuilt(stores: Stores, visit_id: str, kind: str, occasion: str, record) -> Email | None:
    """The background material is kept in the bucket, not in the copy: it is composed again from there."""
    if kind != "background_material" or not record.application_id:
        return None
    from shared.services import preparation

    only = occasion.split("#")[1] if occasion.startswith("material#") else None
    visit, application = visits.find(stores, visit_id), applications.find(stores, record.application_id)
    return preparation.background_material(stores, visit, application, only=only)


def _fresh_links(stores: Stores, email: Email) -> tuple[Email, int]:
    """The email with each link replaced by a fresh one (same application, action and deadline)."""
    urls = dict.fromkeys(m.group(0) for m in LINK_IN_TEXT.finditer(email.text + "\n" + email.html))
    text, html = email.text, email.html
    for url in urls:
        link = links.find(stores, url.rsplit("/links/", 1)[1])
        if link is None:
            continue
        application = applications.find(stores, link.application_id)
        fresh = links.issue(stores, link.application_id, link.action, visits.find(stores, application.visit_id),
                            offer_expires_at=application.offer_expires_at)
        text, html = text.replace(url, fresh), html.replace(url, fresh)
    return Email(to=email.to, subject=email.subject, text=text, html=html, attachments=email.attachments), len(urls)


# --- reissuing a visitor's links --------------------------------------------------------------

def reissue(stores: Stores, application_id: str) -> tuple[int, dict]:
    """Email the applicant a fresh link for each action open to them now; 409 if none is."""
    application = applications.find(stores, application_id)
    visit = visits.find(stores, application.visit_id)
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if application.status in GONE:
        raise Conflict(f"the application is {application.status}: no action is open to it")
    now = clock.now()
    open_actions = _open_actions(stores, visit, application, now)
    if not open_actions:
        raise Conflict("no action is open to this application now")
    fresh = {action: links.issue(stores, application_id, action, visit, offer_expires_at=application.offer_expires_at)
             for action in open_actions}
    occasion = f"{application_id}#{clock.iso(now)}"
    email = outbound.compose(application.email, REISSUE, name=application.name, visit=visit, links=fresh)
    outbound.send_once(stores, visit=visit, kind=REISSUE, occasion=occasion, recipient=application.email,
                       email=email, application_id=application_id)
    return 200, {"application_id": application_id, "to": application.email.lower(), "actions": list(fresh),
                 "reissued_at": clock.iso(now)}


def _open_actions(stores: Stores, visit: Visit, application: Application, now: datetime) -> dict[str, datetime]:
    """action -> until when, for what the applicant may still do."""
    actions: dict[str, datetime] = {}
    started = visit.starts_at is not None and now >= visit.starts_at
    visit_end = visit.ends_at or (now + timedelta(days=365))
    if application.status == "offered" and application.offer_expires_at and now < application.offer_expires_at:
        actions["confirm"] = application.offer_expires_at
    if not started:
        actions["withdraw"] = max(visit_end, now + timedelta(hours=1))
    if application.status == "confirmed" and not started:
        until = visit.prep_call_at if visit.prep_call_at and visit.prep_call_at > now else visit.starts_at
        actions["prep_call"] = until or now + timedelta(days=365)
    if application.counts_as_visitor and started and visit.starts_at is not None:
        deadline = visit.starts_at + planning.DATE_OFFSETS["report_to_host"]
        if now < deadline and stores.reports.find(visit.visit_id) is None:
            actions["learning_points"] = deadline
        until = visit.starts_at + LINK_WINDOW
        if now < until:
            actions["reflections"] = until
            if not application.follow_up_stopped:
                actions["stop_follow_up"] = until
    return actions
