"""The allocation rule of the programme, as pure code.

Each organisation ends with no place or between `min_per_organisation` and
`max_per_organisation` places, never more than `capacity` places in all.

Priority between organisations: fewer places in earlier allocations of the
programme (the ledger) first; then the organisation whose earliest application is
earlier (ties: `submitted_at`, then `application_id`). Within an organisation,
earlier applications first.

Holders (offered or confirmed) keep their places; withdrawn and expired
applicants are ignored; submitted and waitlisted applicants are candidates.

0. An organisation holding places but fewer than its minimum (a colleague left)
   first takes free places for its own candidates, up to the minimum.
1. Each organisation with no place and at least `min` candidates enters with
   `min` places, in priority order, while they fit.
2. Remaining places go one at a time, round-robin in priority order, to
   organisations at or above their minimum, below their maximum, with candidates left.

Every candidate not offered a place is waitlisted, organisations in priority
order, with a position and a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

HOLDING = frozenset({"offered", "confirmed"})
CANDIDATE = frozenset({"submitted", "waitlisted"})
INACTIVE = frozenset({"withdrawn", "expired", "substituted"})


@dataclass(frozen=True)
class Applicant:
    application_id: str
    organisation: str
    submitted_at: datetime
    status: str

    def __post_init__(self) -> None:
        if self.status not in HOLDING | CANDIDATE | INACTIVE:
            raise ValueError(f"unknown application status {self.status!r}")

    @property
    def organisation_key(self) -> str:
        return organisation_key(self.organisation)

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.submitted_at, self.application_id)


@dataclass(frozen=True)
class Limits:
    capacity: int
    min_per_organisation: int = 2
    max_per_organisation: int = 4

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError("capacity must not be negative")
        if self.min_per_organisation < 1:
            raise ValueError("min_per_organisation must be at least 1")
        if self.max_per_organisation < self.min_per_organisation:
            raise ValueError("max_per_organisation must not be below min_per_organisation")


@dataclass(frozen=True)
class WaitlistEntry:
    application_id: str
    organisation: str
    position: int
    reason: str


@dataclass(frozen=True)
class Decision:
    offers: tuple[str, ...]
    waitlist: tuple[WaitlistEntry, ...]


def organisation_key(name: str) -> str:
    return name.strip().casefold()


@dataclass
class _Organisation:
    key: str
    ledger: int
    holders: int
    candidates: list[Applicant]
    earliest: tuple[datetime, str]
    offered: list[Applicant] = field(default_factory=list)

    @property
    def priority(self) -> tuple[int, datetime, str]:
        return (self.ledger, *self.earliest)

    @property
    def places(self) -> int:
        return self.holders + len(self.offered)

    @property
    def left(self) -> list[Applicant]:
        return self.candidates[len(self.offered):]

    def offer(self, count: int) -> list[Applicant]:
        given = self.left[:count]
        self.offered.extend(given)
        return given


def allocate(applicants: Sequence[Applicant], limits: Limits, ledger: Mapping[str, int]) -> Decision:
    """Offer free places and waitlist everyone else, by the programme's allocation rule.

    `ledger` maps a casefolded organisation to the places it was offered or
    confirmed in earlier allocations of the programme (other visits).
    """
    organisations = _organisations(applicants, ledger)
    holders = sum(org.holders for org in organisations)
    free = max(0, limits.capacity - holders)
    offers: list[Applicant] = []
    for phase in (_restore_minimums, _enter_at_minimum, _round_robin):
        given = phase(organisations, limits, free)
        offers.extend(given)
        free -= len(given)
    return Decision(
        offers=tuple(applicant.application_id for applicant in offers),
        waitlist=_waitlist(organisations, limits, free),
    )


def _organisations(applicants: Sequence[Applicant], ledger: Mapping[str, int]) -> list[_Organisation]:
    places_before = _normalised_ledger(ledger)
    # Each organisation's key computed once, not once per applicant (100k applicants, ~60 names);
    # then each organisation's applicants sorted apart (n log(n/k) comparisons of shorter keys).
    keys: dict[str, str] = {}
    grouped: dict[str, list[Applicant]] = {}
    for applicant in applicants:
        if applicant.status in INACTIVE:
            continue
        key = keys.get(applicant.organisation)
        if key is None:
            key = keys[applicant.organisation] = organisation_key(applicant.organisation)
        grouped.setdefault(key, []).append(applicant)
    for members in grouped.values():
        members.sort(key=lambda a: (a.submitted_at, a.application_id, a.status, a.organisation))
    organisations = [
        _Organisation(
            key=key,
            ledger=places_before.get(key, 0),
            holders=sum(a.status in HOLDING for a in members),
            candidates=[a for a in members if a.status in CANDIDATE],
            earliest=members[0].order,
        )
        for key, members in grouped.items()
    ]
    return sorted(organisations, key=lambda org: (org.priority, org.key))


def _normalised_ledger(ledger: Mapping[str, int]) -> dict[str, int]:
    places: dict[str, int] = {}
    for name, count in ledger.items():
        key = organisation_key(name)
        places[key] = places.get(key, 0) + count
    return places


def _restore_minimums(organisations: list[_Organisation], limits: Limits, free: int) -> list[Applicant]:
    """A place freed in an organisation below its minimum goes first to its own colleagues."""
    given: list[Applicant] = []
    for org in organisations:
        if 0 < org.places < limits.min_per_organisation:
            missing = limits.min_per_organisation - org.places
            given.extend(org.offer(min(missing, free - len(given))))
    return given


def _enter_at_minimum(organisations: list[_Organisation], limits: Limits, free: int) -> list[Applicant]:
    """Each organisation able to fill its minimum enters with it, while it fits."""
    minimum = limits.min_per_organisation
    given: list[Applicant] = []
    for org in organisations:
        if org.places == 0 and len(org.candidates) >= minimum and free - len(given) >= minimum:
            given.extend(org.offer(minimum))
    return given


def _round_robin(organisations: list[_Organisation], limits: Limits, free: int) -> list[Applicant]:
    """Remaining places one at a time, in priority order, to organisations that can grow."""
    given: list[Applicant] = []
    while True:
        growing = [org for org in organisations if _can_grow(org, limits)]
        if not growing or len(given) == free:
            return given
        for org in growing:
            if len(given) == free:
                return given
            given.extend(org.offer(1))


def _can_grow(org: _Organisation, limits: Limits) -> bool:
    return limits.min_per_organisation <= org.places < limits.max_per_organisation and bool(org.left)


def _waitlist(organisations: list[_Organisation], limits: Limits, free: int) -> tuple[WaitlistEntry, ...]:
    entries: list[WaitlistEntry] = []
    for org in organisations:
        why = _why_not_offered(org, limits, free)  # the same for the whole organisation
        for applicant in org.left:
            position = len(entries) + 1
            # The position is its own field (and sentence of the email): the reason says only why.
            entries.append(WaitlistEntry(applicant.application_id, applicant.organisation, position, why))
    return tuple(entries)


def _why_not_offered(org: _Organisation, limits: Limits, free: int) -> str:
    minimum, maximum = limits.min_per_organisation, limits.max_per_organisation
    if org.places >= maximum:
        return f"Your organisation already has the most places one organisation can have on this visit ({maximum})."
    if org.places == 0 and len(org.candidates) < minimum:
        return (
            f"Your organisation has {_applicants(len(org.candidates))} for this visit; "
            f"places are given to groups of at least {_group(minimum)} from the same organisation."
        )
    if org.places == 0 and free > 0:
        return f"The visit has too few places left for a group of {_group(minimum)} from your organisation."
    return f"The visit is full: all {limits.capacity} places have been given out, in the order of priority."


def _applicants(count: int) -> str:
    return "only one applicant" if count == 1 else f"only {count} applicants"


def _group(minimum: int) -> str:
    return "2 colleagues (a pair)" if minimum == 2 else f"{minimum} colleagues"
