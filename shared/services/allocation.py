"""Allocation of a visit's places: close applications, apply the rule, write offers and the waiting list.

`run` is the one way places are given: the first allocation (by a coordinator or when
applications close) and every re-run that fills freed places (promotion after a withdrawal
or an expiry). It holds a short per-visit lease, so two runs never interleave; every write is
also conditional on the state it read, so nobody is offered a place twice.
"""
from __future__ import annotations

import secrets
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterator

from shared import clock
from shared.domain.allocation import INACTIVE, Applicant, Decision, Limits, WaitlistEntry, allocate, organisation_key
from shared.errors import Conflict, NotFound
from shared.models.application import HOLDING, Application
from shared.models.events import AllocationRan, ApplicationOffered, ApplicationWaitlisted, TimerFired, VisitUpdated
from shared.models.visit import Visit
from shared.observability import logger
from shared.services import applications, visits
from shared.store.allocation import AllocationRecord, LedgerLine
from shared.store.applications import Moved
from shared.store.timers import Timer

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

OFFER_WINDOW = timedelta(days=7)
# No offer (and so no promotion) is made later than this before the visit; offers expire by then.
LAST_OFFER_BEFORE_VISIT = timedelta(days=2)
LEASE_NAME = "allocation"
LEASE_SECONDS = 75            # longer than the allocation function's timeout
LEASE_WAIT_SECONDS = 10.0     # how long a concurrent caller waits before a 409
CANDIDATES = ("submitted", "waitlisted")
DECIDE_ATTEMPTS = 5           # decisions made again when what they read moved before their offers were written
OFFERS_PER_TRANSACTION = 99   # DynamoDB takes 100 items per transaction; one is the visit


# --- the lease ---------------------------------------------------------------------------

@contextmanager
def lease(stores: Stores, visit_id: str, name: str = LEASE_NAME, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold `VISIT#{vid}`/`LEASE#{name}` while the block runs; 409 when another holder keeps it too long.

    A lease measures real elapsed time (time.time), not programme time: it guards against two
    processes running at once, and the programme's clock may be virtual and jump by days.
    """
    holder = secrets.token_hex(8)
    store = stores.allocation
    give_up_at = time.time() + (LEASE_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    pause = 0.02
    while True:
        now_ms = int(time.time() * 1000)
        if store.take_lease(visit_id, name, holder=holder, now_ms=now_ms, held_until_ms=now_ms + LEASE_SECONDS * 1000):
            break
        if time.time() + pause > give_up_at:
            raise Conflict("an allocation of this visit is already running; try again shortly") from None
        time.sleep(pause)
        pause = min(pause * 2, 0.4)
    try:
        yield
    finally:
        if not store.release_lease(visit_id, name, holder=holder):
            logger.warning("allocation lease was taken over before release", extra={"visit_id": visit_id})


# --- reading ---------------------------------------------------------------------------

def record(stores: Stores, visit_id: str) -> AllocationRecord | None:
    return stores.allocation.record(visit_id)


def current_applications(stores: Stores, visit_id: str) -> list[Application]:
    """The visit's applications, each re-read consistently (the index may lag a just-made change)."""
    listed = applications.of_visit(stores, visit_id)
    fresh = stores.applications.find_many(a.application_id for a in listed)
    return sorted(fresh, key=lambda a: (a.submitted_at, a.application_id))


def ledger(stores: Stores, visit_id: str) -> dict[str, int]:
    """Places each organisation (casefolded) got in the programme's OTHER visits' allocations."""
    places: Counter[str] = Counter()
    for line in stores.allocation.ledger():
        if line.visit_id != visit_id:
            places[line.organisation_key] += line.places
    return dict(places)


def _ledger_lines(stores: Stores, visit_id: str) -> dict[str, LedgerLine]:
    return {line.organisation_key: line for line in stores.allocation.ledger() if line.visit_id == visit_id}


# --- the answer -------------------------------------------------------------------------

def _body(visit: Visit, apps: list[Application]) -> dict:
    holders = sorted((a for a in apps if a.status in HOLDING),
                     key=lambda a: (organisation_key(a.organisation), a.submitted_at, a.application_id))
    waiting = sorted((a for a in apps if a.status == "waitlisted"),
                     key=lambda a: (a.waitlist_position or 0, a.submitted_at, a.application_id))
    return {
        "visit_id": visit.visit_id,
        "capacity": visit.capacity,
        "allocated": [{"application_id": a.application_id, "organisation": a.organisation, "status": a.status}
                      for a in holders],
        "waitlist": [{"application_id": a.application_id, "organisation": a.organisation,
                      "position": a.waitlist_position, "reason": a.waitlist_reason} for a in waiting],
    }


def answer(stores: Stores, visit_id: str) -> dict:
    """The visit's allocation as the contract shows it; 404 before the first run."""
    visit = visits.find(stores, visit_id)
    if record(stores, visit_id) is None:
        raise NotFound(f"visit {visit_id} has not been allocated yet")
    return _body(visit, current_applications(stores, visit_id))


# --- running ----------------------------------------------------------------------------

def offer_deadline(visit: Visit, now: datetime) -> datetime:
    """7 days to confirm, and at the latest 2 days before the visit (a late first allocation: the start);
    to the whole second, as the offer email and the API state it."""
    deadline = now.replace(microsecond=0) + OFFER_WINDOW
    if visit.starts_at is not None:
        deadline = min(deadline, visit.starts_at - LAST_OFFER_BEFORE_VISIT)
        if deadline <= now:
            deadline = visit.starts_at
    return deadline


def offers_allowed(visit: Visit, now: datetime, first_run: bool) -> bool:
    """No promotion later than 2 days before the visit; no offer at all once it has started."""
    if visit.starts_at is None:
        return True
    if now >= visit.starts_at:
        return False
    return first_run or now < visit.starts_at - LAST_OFFER_BEFORE_VISIT


def run(stores: Stores, visit_id: str) -> dict:
    """Allocate (or re-allocate freed places of) a visit; returns the allocation. 409 if cancelled."""
    with lease(stores, visit_id):
        return _run(stores, visit_id)


def rerun_if_allocated(stores: Stores, visit_id: str) -> None:
    """Promotion: after a place was freed, fill it, for a live visit allocated before or being allocated
    now. A place offered and given back while the first run is still writing (its record is not saved
    yet: the visit is `closed`) is filled once that run is done: `run` waits for its lease, or answers
    409 (the event is delivered again) if it is held too long."""
    try:
        visit = visits.find(stores, visit_id)
    except NotFound:
        return
    if visit.status == "cancelled" or (record(stores, visit_id) is None and visit.status != "closed"):
        return
    run(stores, visit_id)


def on_ran(stores: Stores, event: AllocationRan) -> None:
    """AllocationRan: the first allocation of a visit offering fewer than half its places alerts the team."""
    if not event.first_run:
        return
    try:
        visit = visits.find(stores, event.visit_id)
    except NotFound:
        return
    if visit.status != "cancelled":
        from shared.services import alerts  # alerts compose emails: only this reaction needs them
        alerts.underfilled(stores, visit, event.offered, event.applicants, event.waiting)


def on_applications_close(stores: Stores, detail: TimerFired) -> None:
    """The applications_close timer: allocate if the visit is still open and its (current) close time passed.

    A timer for an old close time (the coordinator moved it later) finds `now` before the
    current close time and does nothing; the timer for the new time does the work. A visit left
    `closed` is a run cut short (closed is only ever the moment between closing and allocating):
    the event delivered again finishes it.
    """
    try:
        visit = visits.find(stores, detail.visit_id)
    except NotFound:
        return
    if visit.status in ("open", "closed") and clock.now() >= visit.applications_close_at:
        run(stores, visit.visit_id)


def _run(stores: Stores, visit_id: str) -> dict:
    now = clock.now()
    visit = _set_status(stores, visit_id, from_statuses=("open",), to="closed")
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled: nothing is allocated")
    previous = record(stores, visit_id)
    first_run = previous is None
    for attempt in range(1, DECIDE_ATTEMPTS + 1):
        # Decide on what is stored now, and write the offers only if none of it moved meanwhile
        # (a withdrawal, a capacity change): otherwise look again and decide again.
        apps = current_applications(stores, visit_id)
        held = sum(1 for a in apps if a.status in HOLDING)
        capacity = visit.capacity if offers_allowed(visit, now, first_run) else min(visit.capacity, held)
        limits = Limits(capacity=capacity, min_per_organisation=visit.min_per_organisation,
                        max_per_organisation=visit.max_per_organisation)
        decision = allocate([Applicant(a.application_id, a.organisation, a.submitted_at, a.status) for a in apps],
                            limits, ledger(stores, visit_id))
        by_id = {a.application_id: a for a in apps}
        try:
            _offer(stores, visit, decision, by_id, now, promotion=not first_run)
            break
        except Moved:
            if attempt == DECIDE_ATTEMPTS:
                raise Conflict("the visit's applications keep changing; allocation will run again") from None
            visit = visits.find(stores, visit_id)
            if visit.status == "cancelled":
                raise Conflict("the visit is cancelled: nothing is allocated") from None
    _waitlist(stores, visit, decision.waitlist, by_id)
    final = list(by_id.values())
    _write_ledger(stores, visit_id, final)
    live = [a for a in final if a.status not in INACTIVE]
    stores.allocation.save_record(AllocationRecord(
        visit_id=visit_id, first_ran_at=previous.first_ran_at if previous else now, ran_at=now,
        runs=(previous.runs if previous else 0) + 1),
        AllocationRan(visit_id=visit_id, first_run=first_run, offered=sum(1 for a in live if a.status in HOLDING),
                      applicants=len(live), waiting=sum(1 for a in live if a.status == "waitlisted")))
    visit = _set_status(stores, visit_id, from_statuses=("closed",), to="allocated")
    return _body(visit, final)


def _set_status(stores: Stores, visit_id: str, *, from_statuses: tuple[str, ...], to: str, attempts: int = 3) -> Visit:
    """Move the visit to `to` if it is in one of `from_statuses`; the visit as it then is."""
    for attempt in range(attempts):
        visit = visits.find(stores, visit_id)
        if visit.status not in from_statuses:
            return visit
        try:
            return visits.set_status(stores, visit, to, VisitUpdated(visit_id=visit_id))
        except Conflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _offer(stores: Stores, visit: Visit, decision: Decision, by_id: dict[str, Application], now: datetime, *,
           promotion: bool) -> None:
    """Write the decision's offers all or nothing, with the visit unchanged since read (Moved otherwise).

    So an organisation never ends up with some of its places (the pairs rule) because a colleague
    withdrew mid-run, and a capacity change that counted the places held before the offers fails
    after them (the visit's version moves with the offers). Beyond one transaction's size, whole
    organisations go together in each.
    """
    deadline = offer_deadline(visit, now)
    stamp = clock.iso(deadline)
    # The timers first: if the offers then fail to be written, the timers find nothing to expire.
    stores.timers.schedule_many(Timer("offer_expiry", deadline, f"expiry#{application_id}#{stamp}",
                                        {"visit_id": visit.visit_id, "application_id": application_id})
                                  for application_id in decision.offers)
    for group in _by_organisation(decision.offers, by_id, OFFERS_PER_TRANSACTION):
        offers = []
        for application_id in group:
            application = by_id[application_id]
            event = ApplicationOffered(visit_id=visit.visit_id, application_id=application_id,
                                       organisation=application.organisation, offer_expires_at=stamp,
                                       promotion=promotion)
            offers.append((application, event, {"status": "offered", "offer_expires_at": deadline,
                                                "waitlist_position": None, "waitlist_reason": None}))
        for offered in stores.applications.offer_all(visit, offers, CANDIDATES):
            by_id[offered.application_id] = offered
        visit = visit.model_copy(update={"version": visit.version + 1})


def _by_organisation(offers: tuple[str, ...], by_id: dict[str, Application], size: int) -> list[list[str]]:
    """The offers in groups of at most `size`, an organisation's together unless they alone are more."""
    groups: list[list[str]] = [[]]
    per_organisation: dict[str, list[str]] = {}
    for application_id in offers:
        per_organisation.setdefault(organisation_key(by_id[application_id].organisation), []).append(application_id)
    for members in per_organisation.values():
        if groups[-1] and len(groups[-1]) + len(members) > size:
            groups.append([])
        groups[-1].extend(members)
    return [group[start:start + size] for group in groups for start in range(0, len(group), size)]


def _waitlist(stores: Stores, visit: Visit, entries: tuple[WaitlistEntry, ...], by_id: dict[str, Application]) -> None:
    """Each waitlisted application's position and reason (with its event), written together; one that
    changed meanwhile (a withdrawal) is read again and left as it is."""
    changes = []
    for entry in entries:
        application = by_id[entry.application_id]
        if (application.status == "waitlisted" and application.waitlist_position == entry.position
                and application.waitlist_reason == entry.reason):
            continue
        event = ApplicationWaitlisted(visit_id=visit.visit_id, application_id=entry.application_id,
                                      organisation=application.organisation, position=entry.position,
                                      reason=entry.reason, first=application.status != "waitlisted")
        changes.append((application, event, {"status": "waitlisted", "waitlist_position": entry.position,
                                             "waitlist_reason": entry.reason}))
    for (application, _, _), stored in zip(changes, stores.applications.change_each(changes, CANDIDATES)):
        by_id[application.application_id] = stored or applications.find(stores, application.application_id)


def _write_ledger(stores: Stores, visit_id: str, apps: list[Application]) -> None:
    """Places each organisation holds in this visit after the run (the fairness ledger's line for it)."""
    names: dict[str, str] = {}
    places: Counter[str] = Counter()
    for application in apps:
        key = organisation_key(application.organisation)
        names.setdefault(key, application.organisation)
        if application.status in HOLDING:
            places[key] += 1
    before = _ledger_lines(stores, visit_id)
    stores.allocation.save_lines([
        LedgerLine(organisation_key=key, organisation=names.get(key) or before[key].organisation, visit_id=visit_id,
                   places=places[key], updated_at=clock.now())
        for key in sorted(set(places) | set(before)) if key not in before or before[key].places != places[key]])
