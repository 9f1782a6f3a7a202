"""Offers after allocation: confirming, expiring, promotion, and the emails that tell applicants.

The emails are the allocation function's reactions to its own events (ApplicationOffered,
ApplicationWaitlisted, ApplicationExpired), each sent once through `outbound.send_once`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared import clock
from shared.errors import Conflict, NotFound
from shared.models.application import HOLDING, Application
from shared.models.events import (
    ApplicationConfirmed,
    ApplicationEvent,
    ApplicationExpired,
    ApplicationOffered,
    ApplicationWaitlisted,
    ApplicationWithdrawn,
    TimerFired,
)
from shared.models.visit import Visit
from shared.services import alerts, allocation, applications, links, members, outbound, visits
from shared.services.applications import Actor
from shared.services.invitations import visit_invitation
from shared.store.timers import Timer

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

CLOSED_OFFER = "the offer is no longer open"
# An open offer is recalled this long before it lapses (the `offer_reminder` timer). It is an `offer`
# communication (the contract's timeline kinds) on its own occasion, in its own words.
OFFER_REMINDER_BEFORE = timedelta(days=2)
REMINDER_TIMER = "offer_reminder"


# --- confirming and expiring ---------------------------------------------------------------

def confirm(stores: Stores, application_id: str, actor: Actor) -> Application:
    """offered → confirmed (ApplicationConfirmed); confirming again changes nothing; anything else 409."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="confirm")
    for _ in range(3):
        if application.status == "confirmed":
            return application
        if not _open_offer(application, clock.now()) or visits.find(stores, application.visit_id).status == "cancelled":
            raise Conflict(CLOSED_OFFER)
        event = ApplicationConfirmed(visit_id=application.visit_id, application_id=application_id,
                                     organisation=application.organisation)
        try:
            return applications.change(stores, application, event, from_status=("offered",), status="confirmed")
        except Conflict:
            application = applications.find(stores, application_id)  # changed meanwhile: look again
    raise Conflict("the application keeps changing; try again")


def _open_offer(application: Application, now: datetime) -> bool:
    return application.status == "offered" and (application.offer_expires_at is None
                                                 or now < application.offer_expires_at)


def on_offer_expiry(stores: Stores, detail: TimerFired) -> None:
    """The offer_expiry timer: an offer still unconfirmed at its deadline expires (ApplicationExpired)."""
    try:
        application = applications.find(stores, detail.application_id)
    except NotFound:
        return
    for _ in range(3):
        now = clock.now()
        if application.status != "offered" or application.offer_expires_at is None \
                or now < application.offer_expires_at:
            return  # confirmed, withdrawn, or offered again with a later deadline: a stale timer
        event = ApplicationExpired(visit_id=application.visit_id, application_id=application.application_id,
                                   organisation=application.organisation)
        try:
            applications.change(stores, application, event, from_status=("offered",), status="expired")
            return
        except Conflict:
            application = applications.find(stores, application.application_id)


# --- promotion -------------------------------------------------------------------------------

def on_withdrawn(stores: Stores, detail: ApplicationWithdrawn) -> None:
    """A holder withdrew: the freed place goes down the waiting list; the programme team is alerted
    if the organisation is then left below its minimum."""
    if detail.previous_status in HOLDING:
        allocation.rerun_if_allocated(stores, detail.visit_id)
        found = _live(stores, detail)
        if found is not None:
            alerts.below_minimum_after_withdrawal(stores, *found)


def on_expired(stores: Stores, detail: ApplicationExpired) -> None:
    """An offer expired: fill the place, then tell the applicant (with a cancellation of the event)."""
    allocation.rerun_if_allocated(stores, detail.visit_id)
    _notify_expired(stores, detail)


# --- emails ------------------------------------------------------------------------------------

def _live(stores: Stores, detail: ApplicationEvent) -> tuple[Visit, Application] | None:
    """The visit and application of an event, unless either is gone or the visit is cancelled."""
    try:
        visit = visits.find(stores, detail.visit_id)
        application = applications.find(stores, detail.application_id)
    except NotFound:
        return None
    if visit.status == "cancelled":
        return None  # nothing further is sent for a cancelled visit
    return visit, application


def _withdraw_link(stores: Stores, visit: Visit, application: Application) -> str:
    return links.issue(stores, application.application_id, "withdraw", visit,
                       offer_expires_at=application.offer_expires_at)


def on_offered(stores: Stores, detail: ApplicationOffered) -> None:
    """ApplicationOffered → the offer email: what, when, where, the deadline, links, the visit's .ics
    (TENTATIVE until confirmed); the member who applied for them is told too; the reminder is planned."""
    found = _live(stores, detail)
    if found is None:
        return
    visit, application = found
    if application.status != "offered" or application.offer_expires_at is None:
        return  # already confirmed, withdrawn or expired: the offer email would mislead
    deadline = application.offer_expires_at
    kind, occasion = "offer", f"{application.application_id}#{clock.iso(deadline)}"
    plan_reminder(stores, visit, application)
    members.tell_member(stores, visit, application, "offer", kind=kind, occasion=occasion, confirm_by=deadline,
                        promotion=detail.promotion)
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return  # don't issue fresh links for an email that went out already
    # With no date yet there is no event (None): it comes when the date is set.
    email = outbound.compose(
        application.email, "offer", (visit_invitation(visit, application),), name=application.name, visit=visit,
        confirm_by=deadline, promotion=detail.promotion,
        call_ahead=visit.prep_call_at is not None and clock.now() < visit.prep_call_at,
        links={"confirm": links.issue(stores, application.application_id, "confirm", visit, offer_expires_at=deadline),
               "withdraw": _withdraw_link(stores, visit, application)})
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=email, application_id=application.application_id)


# --- the offer reminder ------------------------------------------------------------------------

def reminder_occasion(application: Application) -> str:
    """The reminder's occasion: one per offer round (a new offer has a new deadline)."""
    return f"reminder#{application.application_id}#{clock.iso(application.offer_expires_at)}"


def reminder_due(application: Application) -> datetime | None:
    return None if application.offer_expires_at is None else application.offer_expires_at - OFFER_REMINDER_BEFORE


def plan_reminder(stores: Stores, visit: Visit, application: Application) -> None:
    """A reminder two days before the offer lapses (none when the offer is shorter than that)."""
    due = reminder_due(application)
    if due is None or due <= clock.now():
        return
    deadline = clock.iso(application.offer_expires_at)
    # Deterministic id: a redelivered ApplicationOffered plans the same timer once.
    stores.timers.schedule(Timer(REMINDER_TIMER, due, f"{REMINDER_TIMER}#{application.application_id}#{deadline}",
                                   {"visit_id": visit.visit_id, "application_id": application.application_id,
                                    "occasion": deadline}))


def on_offer_reminder(stores: Stores, detail: TimerFired) -> None:
    """The offer_reminder timer: an offer still open with this deadline is recalled, once (fresh links);
    confirmed, withdrawn, lapsed, or offered again with another deadline: nothing."""
    found = _live(stores, detail)
    if found is None:
        return
    visit, application = found
    now = clock.now()
    if application.status != "offered" or application.offer_expires_at is None \
            or clock.iso(application.offer_expires_at) != detail.occasion or now >= application.offer_expires_at:
        return
    deadline = application.offer_expires_at
    kind, occasion = "offer", reminder_occasion(application)
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    email = outbound.compose(
        application.email, "offer_reminder", name=application.name, visit=visit, confirm_by=deadline,
        links={"confirm": links.issue(stores, application.application_id, "confirm", visit, offer_expires_at=deadline),
               "withdraw": _withdraw_link(stores, visit, application)})
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=email, due_at=reminder_due(application), application_id=application.application_id)


# --- the waiting list and lapses ---------------------------------------------------------------

def on_waitlisted(stores: Stores, detail: ApplicationWaitlisted) -> None:
    """ApplicationWaitlisted → the waiting-list notice (once per application), with no calendar event;
    the member who applied for them is told too."""
    if not detail.first:
        return  # only its place in the list moved (a promotion above it): the notice went when it joined
    found = _live(stores, detail)
    if found is None:
        return
    visit, application = found
    if application.status != "waitlisted":
        return
    kind, occasion = "waitlist", application.application_id
    context = dict(position=application.waitlist_position, reason=application.waitlist_reason,
                   last_offer_at=last_offer_at(visit))
    members.tell_member(stores, visit, application, "waitlist", kind=kind, occasion=occasion, **context)
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    email = outbound.compose(application.email, "waitlist", name=application.name, visit=visit, **context,
                             links={"withdraw": _withdraw_link(stores, visit, application)})
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=email, application_id=application.application_id)


def last_offer_at(visit: Visit) -> datetime | None:
    """No place is offered later than this (2 days before the visit); None while the date is not set."""
    return None if visit.starts_at is None else visit.starts_at - allocation.LAST_OFFER_BEFORE_VISIT


def _notify_expired(stores: Stores, detail: ApplicationExpired) -> None:
    """ApplicationExpired → the applicant is told, and the visit's event leaves their calendar; the member
    who applied for them is told too."""
    found = _live(stores, detail)
    if found is None:
        return
    visit, application = found
    if application.status != "expired" or application.offer_expires_at is None:
        return
    occasion = f"{application.application_id}#{clock.iso(application.offer_expires_at)}"
    members.tell_member(stores, visit, application, "offer_expired", kind="offer_expired", occasion=occasion,
                        confirm_by=application.offer_expires_at)
    cancel = visit_invitation(visit, application, method="CANCEL")
    email = outbound.compose(application.email, "offer_expired", (cancel,), name=application.name, visit=visit,
                             confirm_by=application.offer_expires_at)
    outbound.send_once(stores, visit=visit, kind="offer_expired", occasion=occasion,
                       recipient=application.email, email=email, application_id=application.application_id)
    alerts.offer_lapsed(stores, visit, application)
