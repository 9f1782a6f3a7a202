"""How long personal data is kept: the one rule, used by every store that writes it.

Whatever concerns a visit (an application, its guard, learning points, reflections, the
report, the record of an email sent) is kept for the retention period after the last of the
visit's dates, and never less than that period after it was written (a visit still undated,
or a write after the visit, such as a late reflection).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Dated(Protocol):
    starts_at: datetime | None
    ends_at: datetime | None


def keep_until(visit: Dated | None, written_at: datetime, retention: timedelta) -> datetime:
    """When the item may go: `retention` after the visit's end (or start), or after the write if later."""
    dates = [written_at] + ([d for d in (visit.ends_at, visit.starts_at) if d is not None] if visit else [])
    return max(dates) + retention


def as_ttl(moment: datetime) -> int:
    """DynamoDB's TTL attribute: epoch seconds."""
    return int(moment.timestamp())
