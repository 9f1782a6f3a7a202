"""How long a visitor's single-purpose link stays usable: the one rule, per action.

A link is only useful while its action still makes sense; after that it answers "expired".
- confirm: until the offer lapses (the offer's own deadline);
- withdraw: until the visit ends, and never before the offer it came with lapses; with no date
  yet, for a year (the link is re-issued with every later email anyway);
- prep_call: until the call (or the visit, if the call is not set), a year when neither is set;
- learning_points: until the report is due (14 days after the visit starts);
- reflections, stop_follow_up: a week after the sixth weekly nudge.
Every link lives at least an hour, so a link sent just before its moment still opens.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from shared.domain.plan import DATE_OFFSETS

UNDATED = timedelta(days=365)
AT_LEAST = timedelta(hours=1)
FOLLOW_UP = DATE_OFFSETS["follow_up_week_6"] + timedelta(days=7)
LEARNING_POINTS = DATE_OFFSETS["report_to_host"]
ACTIONS = ("confirm", "withdraw", "prep_call", "learning_points", "reflections", "stop_follow_up")


class VisitDates(Protocol):
    starts_at: datetime | None
    ends_at: datetime | None
    prep_call_at: datetime | None


def valid_until(action: str, visit: VisitDates, now: datetime, *, offer_expires_at: datetime | None = None) -> datetime:
    """The moment a link for `action`, issued at `now`, stops working."""
    if action == "confirm":
        if offer_expires_at is None:
            raise ValueError("a confirm link needs the offer's deadline")
        until = offer_expires_at
    elif action == "withdraw":
        until = max(filter(None, (visit.ends_at or visit.starts_at or now + UNDATED, offer_expires_at)))
    elif action == "prep_call":
        until = visit.prep_call_at or visit.starts_at or now + UNDATED
    elif action == "learning_points":
        until = (visit.starts_at or now) + LEARNING_POINTS
    elif action in ("reflections", "stop_follow_up"):
        until = (visit.starts_at or now) + FOLLOW_UP
    else:
        raise ValueError(f"unknown link action {action}")
    return max(until, now + AT_LEAST)
