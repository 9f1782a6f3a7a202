"""How long personal data is kept: the one rule, used by every store that writes it.

Whatever concerns a visit (an application, its guard, learning points, reflections, the
report, the record of an email sent) is kept for the retention period (default 12 months,
`RETENTION_DAYS` / the CDK context `retention_days`) after the visit's six-week follow-up ends,
and never less than that period after it was written (a visit still undated, or a write after
the follow-up, such as a coordinator's note).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

# The follow-up: a nudge each week for six weeks after the visit (shared/domain/plan.py).
FOLLOW_UP = timedelta(weeks=6)


class Dated(Protocol):
    starts_at: datetime | None
    ends_at: datetime | None


def keep_until(visit: Dated | None, written_at: datetime, retention: timedelta) -> datetime:
    """When the item may go: `retention` after the follow-up of the visit ends (six weeks after its
    end, or start), or after the write if later."""
    visit_dates = [d for d in (visit.ends_at, visit.starts_at) if d is not None] if visit else []
    return max([written_at, *(d + FOLLOW_UP for d in visit_dates)]) + retention


def as_ttl(moment: datetime) -> int:
    """DynamoDB's TTL attribute: epoch seconds."""
    return int(moment.timestamp())
