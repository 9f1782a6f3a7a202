"""Visits: create, list, read, merge-patch and cancel."""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared import clock
from shared.errors import Conflict, Invalid, NotFound
from shared.models.events import VisitCancelled, VisitCreated, VisitScheduleChanged, VisitUpdated
from shared.models.parsing import invalid_from
from shared.models.visit import Visit, VisitFields
from shared.services import applications
from shared.store.timers import Timer

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

DATE_FIELDS = ("starts_at", "ends_at", "venue")
CALL_FIELDS = ("prep_call_at", "prep_call_dial_in")


def _close_timer(visit: Visit) -> Timer:
    return Timer("applications_close", visit.applications_close_at,
                 f"close#{visit.visit_id}#{clock.iso(visit.applications_close_at)}", {"visit_id": visit.visit_id})


def _plan_close(stores: Stores, visit: Visit) -> None:
    stores.timers.schedule(_close_timer(visit))


def create(stores: Stores, fields: VisitFields) -> Visit:
    now = clock.now()
    problems = fields.date_problems(now)
    if problems:
        raise Invalid(problems)
    visit = Visit(**fields.model_dump(), visit_id=uuid.uuid4().hex, created_at=now, updated_at=now,
                  date_version=1 if fields.starts_at else 0, call_version=1 if fields.prep_call_at else 0)
    stores.visits.create(visit, VisitCreated(visit_id=visit.visit_id), timers=(_close_timer(visit),))
    return visit


def find(stores: Stores, visit_id: str) -> Visit:
    visit = stores.visits.find(visit_id)
    if visit is None:
        raise NotFound(f"no visit {visit_id}")
    return visit


def all_visits(stores: Stores) -> list[Visit]:
    return stores.visits.all()


def merge_patch(current: dict, patch: dict) -> dict:
    """RFC 7386: objects merge recursively, null removes."""
    merged = dict(current)
    for name, value in patch.items():
        if value is None:
            merged[name] = None
        elif isinstance(value, dict) and isinstance(current.get(name), dict):
            merged[name] = merge_patch(current[name], value)
        else:
            merged[name] = value
    return merged


PATCH_ATTEMPTS = 3


def patch(stores: Stores, visit_id: str, changes: dict) -> Visit:
    """Apply a merge patch. The places held are counted against the visit as read: if anyone (an
    allocation's offers) changed the visit meanwhile, the write fails and the patch is checked again."""
    for attempt in range(1, PATCH_ATTEMPTS + 1):
        try:
            return _patch(stores, visit_id, changes)
        except _Stale:
            if attempt == PATCH_ATTEMPTS:
                raise Conflict("the visit keeps changing; try again") from None
    raise AssertionError("unreachable")


class _Stale(Exception):
    """The visit changed between reading it and writing the patch."""


def _patch(stores: Stores, visit_id: str, changes: dict) -> Visit:
    visit = find(stores, visit_id)
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    current = visit.model_dump(mode="json", include=set(VisitFields.model_fields))
    if "starts_at" in changes and "ends_at" not in changes:
        current["ends_at"] = None  # re-derive the default length from the new start
    try:
        fields = VisitFields.model_validate(merge_patch(current, changes))
    except ValidationError as error:
        raise invalid_from(error) from error
    changed = {f for f in ("starts_at",) if getattr(fields, f) != getattr(visit, f)}
    problems = fields.date_problems(clock.now(), changed=changed)
    if problems:
        raise Invalid(problems)
    held = applications.places_held(stores, visit_id)
    if fields.capacity < held:
        raise Conflict(f"capacity {fields.capacity} is below the {held} places already held")
    if fields.max_per_organisation > fields.capacity:
        raise Invalid({"max_per_organisation": "must not exceed capacity"})
    date_changed = any(getattr(fields, f) != getattr(visit, f) for f in DATE_FIELDS)
    call_changed = any(getattr(fields, f) != getattr(visit, f) for f in CALL_FIELDS)
    status = "open" if _reopens(stores, visit, fields) else visit.status
    updated = Visit.model_validate({
        **visit.model_dump(), **fields.model_dump(), "updated_at": clock.now(), "status": status,
        "date_version": visit.date_version + int(date_changed), "call_version": visit.call_version + int(call_changed)})
    event = (VisitScheduleChanged(visit_id=visit_id, date_version=updated.date_version,
                                  call_version=updated.call_version, date_changed=date_changed,
                                  call_changed=call_changed, previous_starts_at=_iso(visit.starts_at),
                                  previous_ends_at=_iso(visit.ends_at), previous_venue=visit.venue,
                                  previous_prep_call_at=_iso(visit.prep_call_at))
             if date_changed or call_changed else VisitUpdated(visit_id=visit_id))
    try:
        stored = stores.visits.replace(updated, event)
    except Conflict:
        raise _Stale() from None
    if fields.applications_close_at != visit.applications_close_at:
        _plan_close(stores, stored)
    return stored


def _iso(moment) -> str | None:
    return None if moment is None else clock.iso(moment)


def _reopens(stores: Stores, visit: Visit, fields: VisitFields) -> bool:
    """Moving applications_close_at later (into the future) reopens a closed visit on which no place
    was ever offered (an offer made stands: reopening then would compete with it)."""
    if visit.status not in ("closed", "allocated") or fields.applications_close_at <= visit.applications_close_at:
        return False
    if fields.applications_close_at <= clock.now():
        return False
    return not any(a.offer_expires_at is not None or a.status in ("offered", "confirmed", "expired")
                   for a in applications.of_visit(stores, visit.visit_id))


def set_status(stores: Stores, visit: Visit, status: str, event=None) -> Visit:
    return stores.visits.replace(visit.model_copy(update={"status": status, "updated_at": clock.now()}), event)


def cancel(stores: Stores, visit_id: str, reason: str | None = None) -> Visit:
    """Cancel (VisitCancelled): holders, the host and the submitting members are told, with `reason` if given.

    Cancelling again answers the visit as it is.
    """
    visit = find(stores, visit_id)
    if visit.status == "cancelled":
        return visit
    updated = visit.model_copy(update={"status": "cancelled", "cancellation_reason": reason, "updated_at": clock.now()})
    return stores.visits.replace(updated, VisitCancelled(visit_id=visit_id))

