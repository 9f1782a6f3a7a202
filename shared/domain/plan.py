"""Every timed communication of a visit, as pure schedule arithmetic (no I/O, no clock).

`plan(visit)` lists what the contract times from the visit's date and from its preparation
call. Each item carries an `occasion` naming the version of the date (`date{n}`) or of the
call (`call{n}`) it was planned from: when the date moves, the version moves, and a timer
planned for the old version is recognised as stale (`planned_item` finds nothing).

Who receives each kind is decided here too (`audience`), from plain application values, so
the sender and the timeline agree on the recipients.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Literal, Protocol, Sequence

# Timer kinds (shared/topology.py TIMER_KINDS): the reports function owns two of the items.
COMMUNICATION = "communication"
TIMER_KIND_OF = {"report_to_host": "report_due", "impact_note": "impact_due"}

CALL_KINDS = ("prep_call_reminder", "background_material")
FOLLOW_UP_WEEKS = 6
FOLLOW_UP_KINDS = tuple(f"follow_up_week_{n}" for n in range(1, FOLLOW_UP_WEEKS + 1))

# kind -> offset from the visit's start
DATE_OFFSETS: dict[str, timedelta] = {
    "visit_reminder_7d": timedelta(days=-7),
    # No place is offered later than 2 days before the visit: those still waiting are told so (once).
    "waitlist": timedelta(days=-2),
    "host_questions": timedelta(days=-7),
    "visit_reminder_1d": timedelta(days=-1),
    "learning_points_request": timedelta(days=1),
    "learning_points_reminder": timedelta(days=1 + 5),
    "report_to_host": timedelta(days=14),
    **{kind: timedelta(days=7 * n) for n, kind in enumerate(FOLLOW_UP_KINDS, start=1)},
    "impact_note": timedelta(days=7 * FOLLOW_UP_WEEKS + 1),
}
CALL_OFFSET = timedelta(hours=-24)

Audience = Literal["attending", "not_attending", "holders", "waitlisted", "confirmed", "unanswered", "follow_up",
                   "host", "none"]
AUDIENCE: dict[str, Audience] = {
    "prep_call_reminder": "attending",
    "background_material": "not_attending",
    "visit_reminder_7d": "holders",
    "waitlist": "waitlisted",
    "visit_reminder_1d": "holders",
    "host_questions": "host",
    # Only those who have not sent their points yet (some send them on the day).
    "learning_points_request": "unanswered",
    "learning_points_reminder": "unanswered",
    "report_to_host": "host",
    **{kind: "follow_up" for kind in FOLLOW_UP_KINDS},
    "impact_note": "none",  # the reports function decides whom it tells
}


class VisitLike(Protocol):
    starts_at: datetime | None
    ends_at: datetime | None
    prep_call_at: datetime | None
    date_version: int
    call_version: int
    status: str


class ApplicationLike(Protocol):
    application_id: str
    email: str
    status: str
    prep_call: str
    attending_prep_call: bool
    follow_up_stopped: bool
    attended: bool | None


@dataclass(frozen=True)
class PlannedItem:
    kind: str
    due_at: datetime
    occasion: str

    @property
    def timer_kind(self) -> str:
        return TIMER_KIND_OF.get(self.kind, COMMUNICATION)

    def timer_id(self, visit_id: str) -> str:
        """Deterministic, so planning twice (a re-delivered event) plans one timer."""
        return f"{self.kind}#{visit_id}#{self.occasion}"


def date_occasion(visit: VisitLike) -> str:
    return f"date{visit.date_version}"


def call_occasion(visit: VisitLike) -> str:
    return f"call{visit.call_version}"


def plan(visit: VisitLike) -> list[PlannedItem]:
    """Every timed item of the visit, in due order; past items included (the caller decides)."""
    if visit.status == "cancelled":
        return []
    items: list[PlannedItem] = []
    if visit.prep_call_at is not None:
        due = visit.prep_call_at + CALL_OFFSET
        items += [PlannedItem(kind, due, call_occasion(visit)) for kind in CALL_KINDS]
    if visit.starts_at is not None:
        items += [PlannedItem(kind, visit.starts_at + offset, date_occasion(visit)) for kind, offset in DATE_OFFSETS.items()]
    return sorted(items, key=lambda i: (i.due_at, _order(i.kind)))


def to_schedule(visit: VisitLike, now: datetime) -> list[PlannedItem]:
    """The items still ahead at `now`: the ones to put timers down for."""
    return [item for item in plan(visit) if item.due_at >= now]


def planned_item(visit: VisitLike, kind: str, occasion: str) -> PlannedItem | None:
    """The item planned for `occasion`, if it still stands (not cancelled, date/call not moved)."""
    return next((i for i in plan(visit) if i.kind == kind and i.occasion == occasion), None)


def attends_call(application: ApplicationLike) -> bool:
    return application.prep_call == "join" and application.attending_prep_call


def audience(kind: str, applications: Iterable[ApplicationLike], *,
             answered: frozenset[str] | set[str] = frozenset()) -> list[ApplicationLike]:
    """The applications a visitor communication of `kind` goes to (empty for the host's items).

    Only holders of a place hear (and, two days before the visit, those still on the waiting list):
    withdrawn, expired, substituted and submitted never do. After the visit, only those who attended (recorded absent: no) are asked and followed up.
    `answered` holds the application ids that already sent their learning points.
    """
    who = AUDIENCE.get(kind, "none")
    chosen: Sequence[ApplicationLike]
    apps = list(applications)
    confirmed = [a for a in apps if a.status == "confirmed"]
    attended = [a for a in confirmed if attended_visit(a)]
    if who == "holders":
        chosen = [a for a in apps if a.status in ("offered", "confirmed")]
    elif who == "attending":
        chosen = [a for a in confirmed if attends_call(a)]
    elif who == "not_attending":
        chosen = [a for a in confirmed if not attends_call(a)]
    elif who == "waitlisted":
        chosen = [a for a in apps if a.status == "waitlisted"]
    elif who == "confirmed":
        chosen = attended
    elif who == "unanswered":
        chosen = [a for a in attended if a.application_id not in answered]
    elif who == "follow_up":
        chosen = [a for a in attended if not a.follow_up_stopped]
    else:
        chosen = []
    return list(chosen)


def attended_visit(application: ApplicationLike) -> bool:
    """Confirmed and not recorded absent (until attendance is recorded, every confirmed visitor attended)."""
    return application.status == "confirmed" and getattr(application, "attended", None) is not False


def follow_up_week(kind: str) -> int | None:
    return int(kind.rsplit("_", 1)[1]) if kind in FOLLOW_UP_KINDS else None


def reflection_opens(visit: VisitLike, week: int) -> datetime | None:
    """When week `week`'s reflection is first accepted: when that week's nudge (its question) is due."""
    if visit.starts_at is None:
        return None
    return visit.starts_at + DATE_OFFSETS[f"follow_up_week_{week}"]


_KIND_ORDER = {kind: n for n, kind in enumerate((*CALL_KINDS, *DATE_OFFSETS))}


def _order(kind: str) -> int:
    return _KIND_ORDER.get(kind, len(_KIND_ORDER))
