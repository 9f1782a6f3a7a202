"""What needs a coordinator's attention on a visit, said in words: pure (the caller passes `now`).

The console's programme page lists these beside each visit, and the visit's page at its top.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Literal, Protocol

SOON = timedelta(days=2)


class ApplicationLike(Protocol):
    status: str
    offer_expires_at: datetime | None


class VisitLike(Protocol):
    status: str
    capacity: int
    starts_at: datetime | None
    ends_at: datetime | None
    applications_close_at: datetime
    prep_call_at: datetime | None


@dataclass(frozen=True)
class Attention:
    level: Literal["action", "info"]
    text: str


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def needs(visit: VisitLike, applications: Iterable[ApplicationLike], now: datetime, *,
          allocated: bool, points_sent: int = 0, attendance_recorded: bool = True,
          report_published: bool = False) -> list[Attention]:
    """Every point a coordinator should see now, most pressing first."""
    apps = list(applications)
    if visit.status == "cancelled":
        return [Attention("info", "Cancelled")]
    found: list[Attention] = []
    offered = [a for a in apps if a.status == "offered"]
    confirmed = [a for a in apps if a.status == "confirmed"]
    held = len(offered) + len(confirmed)
    waiting = sum(1 for a in apps if a.status == "waitlisted")
    if visit.status == "open" and now >= visit.applications_close_at:
        found.append(Attention("action", "Applications have closed: run the allocation"))
    if visit.starts_at is None:
        found.append(Attention("action", "The date is still to be confirmed"))
    ended = visit.ends_at is not None and now >= visit.ends_at
    if offered and not ended:
        expiring = [a for a in offered if a.offer_expires_at and a.offer_expires_at - now <= SOON]
        text = f"{_plural(len(offered), 'offer')} not confirmed yet"
        if expiring:
            text += f" ({len(expiring)} lapsing within 2 days)"
        found.append(Attention("action", text))
    if allocated and held < visit.capacity and not ended:
        empty = visit.capacity - held
        found.append(Attention("action" if waiting == 0 else "info",
                               f"{_plural(empty, 'place')} empty" + ("" if waiting else ", nobody waiting")))
    if held and visit.prep_call_at is None and visit.starts_at is not None and not ended:
        found.append(Attention("info", "No preparation call is set"))
    if ended and confirmed:
        if not attendance_recorded:
            found.append(Attention("action", "Record who attended"))
        missing = len(confirmed) - points_sent
        if not report_published and missing > 0:
            found.append(Attention("info", f"{_plural(missing, 'visitor')} yet to send learning points"))
    if report_published:
        found.append(Attention("info", "The report is ready"))
    if not apps and visit.status == "open":
        found.append(Attention("info", "No applications yet"))
    return found
