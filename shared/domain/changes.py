"""What changed in a visit's schedule, as its holders should be told (pure: no I/O, no clock).

The calendar update's wording depends on it: a first date is "set", not "moved"; a new time on
the same London day is a "new time", not a "new date"; a first call time is "arranged".
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from shared.domain.rendering import in_london as _in_london

VisitChange = Literal["visit_set", "visit_date", "visit_time", "visit_venue", "visit_unset"]
CallChange = Literal["call_set", "call_moved", "call_unset"]


def visit_change(before_start: datetime | str | None, after_start: datetime | None,
                 before_end: datetime | str | None = None, after_end: datetime | None = None,
                 before_venue: str | None = None, after_venue: str | None = None) -> VisitChange:
    before, after = _in_london(before_start), _in_london(after_start)
    if after is None:
        return "visit_unset"
    if before is None:
        return "visit_set"
    if before.date() != after.date():
        return "visit_date"
    if before != after or _in_london(before_end) != _in_london(after_end):
        return "visit_time"
    if before_venue is not None and before_venue != after_venue:
        return "visit_venue"
    return "visit_time"


def call_change(before: datetime | str | None, after: datetime | None) -> CallChange:
    if after is None:
        return "call_unset"
    return "call_set" if _in_london(before) is None else "call_moved"
