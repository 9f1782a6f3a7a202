"""Leaving a visit: a withdrawal, a substitution or the visit's cancellation, told to those it concerns.

A holder gets METHOD:CANCEL of the calendar events they were sent (the same UIDs, a higher
SEQUENCE), the host hears of a place given up, and the member who applied hears what the
programme team did; each email once (`outbound.send_once`). The reminders function reacts with
these to ApplicationWithdrawn, ApplicationSubstituted and VisitCancelled.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain import plan as planning
from shared.errors import NotFound
from shared.models.application import GONE, HOLDING, Application
from shared.models.email import Attachment
from shared.models.events import ApplicationSubstituted, ApplicationWithdrawn, VisitCancelled
from shared.models.visit import Visit
from shared.services import applications, hosts, members, outbound, visits
from shared.services.invitations import call_invitation, visit_invitation
from shared.services.outbound import already_sent

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

# Still in the running without a place.
WAITING = ("submitted", "waitlisted")

def on_withdrawn(stores: Stores, detail: ApplicationWithdrawn) -> None:
    """A withdrawal is confirmed to the person withdrawn: a holder's calendar entries are cancelled (same
    UIDs); someone still waiting gets the word alone. Withdrawn by the programme team, they are told so
    (not thanked), and so is the member who applied for them."""
    by_team = detail.withdrawn_by == "coordinator"
    if detail.previous_status not in HOLDING and detail.previous_status not in WAITING:
        return
    try:
        visit = visits.find(stores, detail.visit_id)
        application = applications.find(stores, detail.application_id)
    except NotFound:
        return
    if visit.status == "cancelled":
        return  # the visit's cancellation already told them
    _cancellation(stores, visit, application, reason="withdrawn", occasion="withdrawn", by=detail.withdrawn_by,
                  previous_status=detail.previous_status)
    if by_team:
        members.tell_member(stores, visit, application, "cancellation", kind="cancellation", occasion="withdrawn",
                            reason="withdrawn", by="coordinator", previous_status=detail.previous_status)
    if detail.previous_status in HOLDING:
        hosts.tell_withdrawal(stores, visit, application)


def on_substituted(stores: Stores, detail: ApplicationSubstituted) -> None:
    """A holder's place went to a colleague: their calendar entries are cancelled; the host is told."""
    try:
        visit = visits.find(stores, detail.visit_id)
        old = applications.find(stores, detail.application_id)
        new = applications.find(stores, detail.substitute_id)
    except NotFound:
        return
    if visit.status == "cancelled":
        return
    _cancellation(stores, visit, old, reason="substituted", occasion="substituted", substitute_name=new.name)
    hosts.tell_substitution(stores, visit, old, new)


def on_cancelled(stores: Stores, detail: VisitCancelled) -> None:
    """The visit is cancelled: every holder gets METHOD:CANCEL of the same events, the host and the
    members who applied are told (with the coordinator's reason); timers then do nothing."""
    try:
        visit = visits.find(stores, detail.visit_id)
    except NotFound:
        return
    if visit.status != "cancelled":
        return
    apps = applications.of_visit(stores, visit.visit_id)
    for application in apps:
        if application.status in HOLDING:
            _cancellation(stores, visit, application, reason="visit_cancelled", occasion="visit_cancelled",
                          note=visit.cancellation_reason)
    hosts.tell_cancellation(stores, visit, visit.cancellation_reason)
    _tell_members(stores, visit, apps)


def _tell_members(stores: Stores, visit: Visit, apps: list[Application]) -> None:
    """Each member who applied for someone still in the running hears what became of those applications
    (a member who applied only for themselves, and held a place, has the holder's email already)."""
    live = [a for a in apps if a.status not in GONE]
    by_member: dict[str, list[Application]] = {}
    for application in live:
        by_member.setdefault(application.submitted_by.lower(), []).append(application)
    occasion = "visit_cancelled#member"
    for member, theirs in by_member.items():
        if all(a.email.lower() == member and a.status in HOLDING for a in theirs):
            continue
        if already_sent(stores, visit.visit_id, "cancellation", occasion, member):
            continue
        name = next((a.name for a in theirs if a.email.lower() == member), "colleague")
        statuses = {"submitted": "application received", "waitlisted": "on the waiting list",
                    "offered": "offered a place", "confirmed": "place confirmed"}
        message = outbound.compose(member, "member_cancellation", name=name, visit=visit,
                                   reason=visit.cancellation_reason,
                                   any_holders=any(a.status in HOLDING for a in theirs),
                                   applicants=[{"name": a.name, "status": statuses.get(a.status, a.status)}
                                               for a in theirs])
        outbound.send_once(stores, visit=visit, kind="cancellation", occasion=occasion, recipient=member,
                           email=message)


def _cancellation(stores: Stores, visit: Visit, application: Application, *, reason: str, occasion: str,
                  **context) -> None:
    kind = "cancellation"
    if already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    invitations: tuple[Attachment | None, ...] = ()
    if context.get("previous_status", "confirmed") in HOLDING:
        # Only the events the holder was sent: an offer not yet confirmed never carried the call's.
        held_call = holds_call_event(stores, visit, application)
        call = call_invitation(visit, application, method="CANCEL") if held_call else None
        invitations = (visit_invitation(visit, application, method="CANCEL"), call)
    message = outbound.compose(application.email, kind, invitations, name=application.name, visit=visit, reason=reason,
                               **context)
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=message, application_id=application.application_id)


def holds_call_event(stores: Stores, visit: Visit, application: Application) -> bool:
    """Whether the visitor holds the call's calendar event: the call is set, they mean to join it, and the
    last call email they were sent carried its invitation or an update (not its CANCEL)."""
    if visit.prep_call_at is None or not planning.attends_call(application):
        return False
    return was_sent_call(stores, visit, application)


def was_sent_call(stores: Stores, visit: Visit, application: Application) -> bool:
    records = [r for kind in ("prep_call_invite", "calendar_update")
               for r in stores.sent.of_visit(visit.visit_id, kind=kind, occasion_prefix="call")
               if r.recipient.lower() == application.email.lower() and r.sent_at and r.occasion != "call0"
               and not r.occasion.startswith("call0-")]
    if not records:
        return False
    latest = max(records, key=lambda r: _call_step(r.occasion))
    # The only call email sent on an answer that is not a REQUEST is the CANCEL to one who cannot join.
    return not (latest.kind == "calendar_update" and "-answer" in latest.occasion)


def _call_step(occasion: str) -> tuple[int, int]:
    """`call{version}` or `call{version}-answer{changes}` in the order they were sent."""
    version, _, answer = occasion.removeprefix("call").partition("-answer")
    return int(version or 0), int(answer or 0)
