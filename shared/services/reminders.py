"""Every timed communication of a visit, sent once; calendar updates and the visitor's answer about the call
(leaving a visit, the cancellations, is in shared/services/leaving.py).

Planning: on VisitCreated / VisitScheduleChanged a timer goes down for each item of the pure
plan (shared/domain/plan.py) still ahead; timer ids are deterministic, so a re-delivered event
plans nothing twice. A fired `communication` timer reloads the visit: a cancelled visit, or an
occasion the date or call has moved on from, sends nothing. Otherwise each recipient gets the
email through `outbound.send_once`, keyed on (kind, occasion, recipient).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from shared import clock
from shared.domain import changes
from shared.domain import plan as planning
from shared.errors import NotFound
from shared.models.application import HOLDING, Application
from shared.models.email import Email
from shared.models.events import (
    PrepCallChanged,
    TimerFired,
    VisitCreated,
    VisitScheduleChanged,
)
from shared.models.visit import Visit
from shared.observability import logger
from shared.services import applications, follow_up, hosts, leaving, links, members, outbound, preparation, visits
from shared.services.invitations import call_invitation, host_invitation, visit_invitation
from shared.services.outbound import already_sent
from shared.store.timers import Timer

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

HOST = "host"
Builder = Callable[["Stores", Visit, Application, str], Email]  # a timed communication's email for one visitor


# --- planning ---------------------------------------------------------------------------------------

def plan_visit(stores: Stores, visit_id: str) -> int:
    """Put down a timer for every item still ahead; the number planned."""
    try:
        visit = visits.find(stores, visit_id)
    except NotFound:
        return 0
    items = planning.to_schedule(visit, clock.now())
    for item in items:
        payload = {"visit_id": visit_id, "occasion": item.occasion}
        if item.timer_kind == planning.COMMUNICATION:
            payload["communication"] = item.kind
        stores.timers.schedule(Timer(item.timer_kind, item.due_at, item.timer_id(visit_id), payload))
    return len(items)


def on_visit_created(stores: Stores, detail: VisitCreated) -> None:
    plan_visit(stores, detail.visit_id)


def on_schedule_changed(stores: Stores, detail: VisitScheduleChanged) -> None:
    """Re-plan from the new date/call, and send every holder the changed calendar event."""
    plan_visit(stores, detail.visit_id)
    send_calendar_updates(stores, detail)


def send_calendar_updates(stores: Stores, detail: VisitScheduleChanged) -> None:
    """Each holder gets the changed event, worded by what changed (shared/domain/changes.py): the visit's
    to every holder, the call's to those joining it (those who cannot join hold no call event)."""
    try:
        visit = visits.find(stores, detail.visit_id)
    except NotFound:
        return
    if visit.status == "cancelled":
        return
    holders = [a for a in applications.of_visit(stores, visit.visit_id) if a.status in HOLDING]
    # A newer change has its own event, which will send its own update.
    if detail.date_changed and detail.date_version == visit.date_version:
        change = changes.visit_change(detail.previous_starts_at, visit.starts_at, detail.previous_ends_at,
                                      visit.ends_at, detail.previous_venue, visit.venue)
        before = _as_before(visit, starts_at=detail.previous_starts_at, ends_at=detail.previous_ends_at)
        for application in holders:
            _calendar_update(stores, visit, application, change, planning.date_occasion(visit), before)
        hosts.tell_date_change(stores, visit, change, before)
    if detail.call_changed and detail.call_version == visit.call_version:
        change = changes.call_change(detail.previous_prep_call_at, visit.prep_call_at)
        before = _as_before(visit, prep_call_at=detail.previous_prep_call_at)
        for application in holders:
            if planning.attends_call(application):
                _calendar_update(stores, visit, application, change, planning.call_occasion(visit), before)


def _as_before(visit: Visit, **previous: str | None) -> Visit:
    """The visit as it was (to CANCEL an entry whose date or call is no longer set)."""
    return visit.model_copy(update={k: clock.parse(v) if v else None for k, v in previous.items()})


def _calendar_update(stores: Stores, visit: Visit, application: Application, change: str, occasion: str,
                     before: Visit) -> None:
    kind = "calendar_update"
    if already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    if change == "visit_unset":  # back to "to be confirmed": the old entry leaves the calendar
        invitation = visit_invitation(before, application, method="CANCEL") if before.starts_at else None
    elif change == "call_unset":
        invitation = call_invitation(before, application, method="CANCEL") if before.prep_call_at else None
    elif change.startswith("visit"):
        invitation = visit_invitation(visit, application)
    else:
        invitation = call_invitation(visit, application)
    if change.startswith("visit"):
        page = {"withdraw": _withdraw_link(stores, visit, application)}
    else:
        page = {"prep_call": preparation.prep_call_link(stores, visit, application)}
    confirm_by = application.offer_expires_at if application.status == "offered" else None
    message = outbound.compose(application.email, kind, (invitation,), name=application.name, visit=visit,
                               change=change, confirm_by=confirm_by, links=page)
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=message, application_id=application.application_id)


def _withdraw_link(stores: Stores, visit: Visit, application: Application) -> str:
    return links.issue(stores, application.application_id, "withdraw", visit)


# --- a timed communication is due -------------------------------------------------------------------

def on_communication(stores: Stores, detail: TimerFired) -> int:
    """A `communication` timer fired: send it, unless stale or cancelled; how many were sent now."""
    visit_id, kind, occasion = detail.visit_id, detail.communication, detail.occasion
    try:
        visit = visits.find(stores, visit_id)
    except NotFound:
        return 0
    item = planning.planned_item(visit, kind, occasion)
    if item is None:
        logger.info("stale or cancelled communication", extra={"kind": kind, "occasion": occasion})
        return 0
    if planning.AUDIENCE.get(kind) == HOST:
        return int(_send_to_host(stores, visit, item))
    build = BUILDERS.get(kind)
    if build is None:
        logger.warning("no email for communication", extra={"kind": kind})
        return 0
    if kind in LEARNING_POINTS_KINDS and stores.reports.find(visit_id) is not None:
        # Points are closed once the report is assembled: asking for them would ask the impossible.
        outbound.record_skipped(stores, visit_id, kind, occasion, "the report was already assembled",
                                due_at=item.due_at, visit=visit)
        return 0
    chosen = recipients(stores, visit, kind)
    if not chosen:
        outbound.record_skipped(stores, visit_id, kind, occasion, NOBODY.get(planning.AUDIENCE.get(kind, "none"),
                                                                     "there was no one to send it to"),
                                due_at=item.due_at, visit=visit)
        return 0
    sent = 0
    for application in chosen:
        if kind == "waitlist":  # the member who applied for them hears that no place came free, too
            members.tell_member(stores, visit, application, "waitlist", kind=kind, occasion=occasion,
                                due_at=item.due_at, final=True,
                                position=application.waitlist_position, reason=application.waitlist_reason)
        if already_sent(stores, visit_id, kind, occasion, application.email):
            continue
        sent += outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                                   email=build(stores, visit, application, kind), due_at=item.due_at,
                                   application_id=application.application_id)
    return sent


LEARNING_POINTS_KINDS = ("learning_points_request", "learning_points_reminder")
# Why a timed communication went to no one (the timeline's `reason` for a skipped item).
NOBODY = {
    "holders": "no one held a place when it was due",
    "attending": "no confirmed visitor was joining the call when it was due",
    "not_attending": "every confirmed visitor was joining the call",
    "waitlisted": "no one was left on the waiting list",
    "unanswered": "every visitor who came had already sent their learning points",
    "follow_up": "no visitor was receiving the follow-up",
}


def recipients(stores: Stores, visit: Visit, kind: str, apps: list[Application] | None = None) -> list[Application]:
    """The visitors a communication of `kind` goes to now."""
    apps = applications.of_visit(stores, visit.visit_id) if apps is None else apps
    answered: set[str] = set()
    if planning.AUDIENCE.get(kind) == "unanswered":
        answered = {a.application_id for a in apps
                    if a.status == "confirmed" and has_answered(stores, a.application_id)}
    return planning.audience(kind, apps, answered=answered)


def has_answered(stores: Stores, application_id: str) -> bool:
    """Learning points are stored by the reports function at APP#{aid} / POINTS."""
    return stores.learning.points_of(application_id) is not None


def _send_to_host(stores: Stores, visit: Visit, item: planning.PlannedItem) -> bool:
    if item.kind != "host_questions":
        return False  # report_to_host is the reports function's
    contact = visit.host.contact_email
    if already_sent(stores, visit.visit_id, item.kind, item.occasion, contact):
        return False
    holders = [a for a in applications.of_visit(stores, visit.visit_id) if a.status in HOLDING]
    visitors = [hosts.visitor_card(a) for a in holders]
    # The host's own calendar event of the visit goes with the list; later changes update it.
    invitation = host_invitation(visit)
    message = outbound.compose(contact, "host_questions", (invitation,), name=visit.host.contact_name,
                               visit=visit, visitors=visitors, calendar=invitation is not None)
    return outbound.send_once(stores, visit=visit, kind=item.kind, occasion=item.occasion,
                              recipient=contact, email=message, due_at=item.due_at)


def _visit_reminder(stores: Stores, visit: Visit, application: Application, kind: str) -> Email:
    return outbound.compose(application.email, kind, name=application.name, visit=visit,
                 links={"withdraw": _withdraw_link(stores, visit, application)})


def _points_deadline(visit: Visit) -> datetime:
    return visit.starts_at + planning.DATE_OFFSETS["report_to_host"]


def _learning_points(template: str) -> Builder:
    def build(stores: Stores, visit: Visit, application: Application, kind: str) -> Email:
        deadline = _points_deadline(visit)
        return outbound.compose(application.email, template, name=application.name, visit=visit, deadline=deadline,
                     links={"learning_points": links.issue(stores, application.application_id, "learning_points",
                                                           visit)})
    return build


def _waitlist_final(stores: Stores, visit: Visit, application: Application, kind: str) -> Email:
    """Two days before the visit, to those still waiting: no place came free, and none will now."""
    return outbound.compose(application.email, "waitlist", name=application.name, visit=visit, final=True,
                            position=application.waitlist_position, reason=application.waitlist_reason)


BUILDERS: dict[str, Builder] = {
    "waitlist": _waitlist_final,
    "prep_call_reminder": preparation.prep_call_reminder,
    "background_material": preparation.background_material,
    "visit_reminder_7d": _visit_reminder,
    "visit_reminder_1d": _visit_reminder,
    "learning_points_request": _learning_points("learning_points_request"),
    "learning_points_reminder": _learning_points("learning_points_reminder"),
    **{kind: follow_up.nudge for kind in planning.FOLLOW_UP_KINDS},
}


# --- the visitor's answer about the call ------------------------------------------------------------

def on_prep_call_changed(stores: Stores, detail: PrepCallChanged) -> None:
    """A holder who now cannot join gets the call's CANCEL (same UID, higher SEQUENCE) if they held its
    event; a confirmed one who now can, its invitation again (a REQUEST above the CANCEL)."""
    try:
        visit = visits.find(stores, detail.visit_id)
        application = applications.find(stores, detail.application_id)
    except NotFound:
        return
    if visit.status == "cancelled" or application.status not in HOLDING or visit.prep_call_at is None:
        return
    if planning.attends_call(application) != detail.attending:
        return  # changed again since: that change has its own event
    occasion = f"{planning.call_occasion(visit)}-answer{application.call_changes}"
    if not detail.attending:
        if not leaving.was_sent_call(stores, visit, application):
            return  # never sent the call's event (an offer, or a first answer): nothing to take out
        kind = "calendar_update"
        if already_sent(stores, visit.visit_id, kind, occasion, application.email):
            return
        material_now = _send_material_now(stores, visit, application)
        message = outbound.compose(application.email, kind, (call_invitation(visit, application, method="CANCEL"),),
                                   name=application.name, visit=visit, change="call_declined",
                                   material_sent=material_now,
                                   links={"prep_call": preparation.prep_call_link(stores, visit, application)})
        outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                           email=message, application_id=application.application_id)
    elif application.status == "confirmed" and clock.now() < visit.prep_call_at:
        preparation.send_call_invitation(stores, visit, application, occasion, why="rejoined")


def _send_material_now(stores: Stores, visit: Visit, application: Application) -> bool:
    """A confirmed visitor who drops out of the call after the material went out (the day before the call)
    gets it at once, so that "we will send you the material" stays true; True if it went now."""
    item = planning.planned_item(visit, "background_material", planning.call_occasion(visit))
    now = clock.now()
    if application.status != "confirmed" or item is None or now < item.due_at or now >= visit.prep_call_at:
        return False
    kind, occasion = "background_material", planning.call_occasion(visit)
    if already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return False
    return outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion,
                              recipient=application.email,
                              email=preparation.background_material(stores, visit, application), due_at=now,
                              application_id=application.application_id)
