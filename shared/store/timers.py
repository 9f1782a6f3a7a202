"""Timers: small items swept when due; removing one is what fires it.

Item: pk `TIMER#0..3`, sk `{due_at ISO}#{timer_id}` (so "what is due" is a Query a partition). The sweep only
deletes; the table's stream turns each deletion into `TimerFired` (`fired_event`), so a fired
timer and its event cannot part. A timer id is deterministic: the same timer twice is one.
Timers hold no personal data and are gone once fired, so they carry no retention.

The sweep's mark (pk `SWEEP`, sk `NEXT_DUE`; not a timer) lets an hour with nothing due cost one
read instead of a Query per partition: `next_due` is the earliest timer the last full look left,
and `written` the earliest sort key of each batch of timers written since, added by the stream's consumer
(`note_written`) whatever wrote them, so no writer has to remember it. The sweep replaces the mark
only if its `version` is still the one it read: a timer written meanwhile makes the next sweep look
again, never sleep past it. No mark (a table from before it) means "look".
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Protocol

from shared import clock
from shared.adapters import table
from shared.models.events import TimerFired
from shared.store.memory import Memory

PARTITION = "TIMER"   # the prefix of every timer's partition key, and the one partition of earlier versions
# Timers spread over TIMER#0 .. TIMER#3 (by a hash of the id): no one hot key. Four, not more:
# every hourly sweep reads each partition (one Query each, mostly empty), while four keys already
# take four times one key's writes (a large allocation schedules a timer per offer at once).
PARTITIONS = 4


MARK_KEY = ("SWEEP", "NEXT_DUE")
NOTHING_LEFT = "~"   # next_due when no timer is left: sorts after every due time


def partition_of(timer_id: str) -> str:
    return f"{PARTITION}#{zlib.crc32(timer_id.encode('utf-8')) % PARTITIONS}"


def all_partitions() -> list[str]:
    """Where timers live (the earlier single partition included, so none written before is forgotten)."""
    return [PARTITION, *(f"{PARTITION}#{n}" for n in range(PARTITIONS))]


@dataclass(frozen=True)
class Timer:
    kind: str
    due_at: datetime
    timer_id: str
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Look:
    """What the sweep's one read found: whether any timer may be due, and the mark it read (None: no mark)."""
    anything_due: bool
    mark_version: int | None = None


@dataclass(frozen=True)
class Due:
    """Timers due at a moment (earliest first), and the sort key of the earliest timer after it when the same
    read saw it (NOTHING_LEFT: there is none; None: not known)."""
    timers: list[Timer]
    next_due: str | None = None


class TimerStore(Protocol):
    def schedule(self, timer: Timer) -> None: ...
    def schedule_many(self, timers: Iterable[Timer]) -> None:
        """Schedule each (in as few writes as the store allows)."""
    def due(self, now: datetime, limit: int = 500) -> list[Timer]:
        """Timers due at `now` or before, earliest first."""
    def due_and_next(self, now: datetime, limit: int = 500) -> Due:
        """The sweep's read: what `due` answers, and what comes next if that is seen on the way."""
    def fire(self, timer: Timer) -> bool:
        """Remove a due timer (its TimerFired follows); False when another sweep already did."""
    def fire_many(self, timers: Iterable[Timer]) -> int:
        """Remove these due timers (each one's TimerFired follows its removal, once, whoever removed it
        first); how many were asked for."""
    def look(self, now: datetime) -> Look:
        """Whether any timer may be due at `now`, in one read (never False when one is)."""
    def mark_next(self, look: Look, next_due: str | None = None) -> None:
        """After firing everything due: remember the earliest timer left (`next_due` when the last read saw it),
        so the next look is cheap, unless a timer was written since `look` (then the next look says "may be
        due" and the sweep looks again)."""


def _due_iso(timer: Timer) -> str:
    """The due time to the second, rounded up: a timer must never fire before the moment it stands
    for (an offer made at 09:00:00.48 would otherwise be looked at, and left, at 09:00:00)."""
    due = timer.due_at
    if due.microsecond:
        due = due.replace(microsecond=0) + timedelta(seconds=1)
    return clock.iso(due)


def _sort_key(timer: Timer) -> str:
    return f"{_due_iso(timer)}#{timer.timer_id}"


def _item(timer: Timer) -> dict:
    return {"pk": partition_of(timer.timer_id), "sk": _sort_key(timer), "kind": timer.kind, "timer_id": timer.timer_id,
            "due_at": _due_iso(timer), "payload": timer.payload}


def item_of(timer: Timer) -> dict:
    """The timer's item, for a store writing it in its own transaction (a visit and its close timer)."""
    return _item(timer)


def sort_key(timer: Timer) -> str:
    return _sort_key(timer)


def _timer(item: dict) -> Timer:
    return Timer(item["kind"], clock.parse(item["due_at"]), item["timer_id"], item.get("payload") or {})


def is_timer(item: dict) -> bool:
    pk = item.get("pk") or ""
    return pk == PARTITION or pk.startswith(f"{PARTITION}#")


def fired_event(item: dict) -> tuple[str, TimerFired]:
    """(event id, TimerFired) announced by the removal of a timer item."""
    fired = TimerFired(kind=item["kind"], timer_id=item["timer_id"], due_at=item["due_at"], **item.get("payload", {}))
    return f"timer:{item['sk']}", fired


def _due_bound(now: datetime) -> str:
    # "~" sorts after every character of a timer id, so every timer due at `now` is included.
    return f"{clock.iso(now)}~"


def _distinct(timers: Iterable[Timer]) -> list[Timer]:
    """One of each timer (a transaction may not write one item twice)."""
    return list({_sort_key(timer): timer for timer in timers}.values())


def note_written(sort_keys: Iterable[str]) -> None:
    """The stream's part of the mark (DynamoDB): timers were written with these sort keys. Only the earliest
    matters to a look, so only it is added; one unconditional write that also moves the mark's version on,
    so a sweep that looked before them cannot hide them."""
    earliest = min(sort_keys, default=None)
    if earliest is not None:
        table.add_to_sets(*MARK_KEY, {"written": {earliest}}, counter="version")


class DynamoTimers:
    def schedule(self, timer: Timer) -> None:
        table.put(_item(timer))

    def schedule_many(self, timers: Iterable[Timer]) -> None:
        table.transact_in_chunks(table.op_put(_item(timer)) for timer in _distinct(timers))

    def due(self, now: datetime, limit: int = 500) -> list[Timer]:
        return self.due_and_next(now, limit).timers

    def due_and_next(self, now: datetime, limit: int = 500) -> Due:
        # One Query a partition, reading on past the due ones (up to `limit` items): the first timer after
        # `now` comes with them, so marking what is next needs no Query of its own.
        bound, due, later, seen_all = _due_bound(now), [], [], True
        for partition in all_partitions():
            items = table.query(partition, limit=limit)
            due += [item for item in items if item["sk"] <= bound]
            after = [item["sk"] for item in items if item["sk"] > bound]
            if after:
                later.append(after[0])
            elif len(items) >= limit:
                seen_all = False  # every item read was due: what follows is not known
        due.sort(key=lambda item: item["sk"])
        next_due = min(later, default=NOTHING_LEFT) if seen_all and len(due) < limit else None
        return Due([_timer(item) for item in due[:limit]], next_due)

    def fire(self, timer: Timer) -> bool:
        return (table.delete(partition_of(timer.timer_id), _sort_key(timer))
                or table.delete(PARTITION, _sort_key(timer)))  # one written before timers were spread

    def fire_many(self, timers: Iterable[Timer]) -> int:
        # Unconditional deletes: removing a timer another sweep removed first writes nothing (no second
        # TimerFired), so no condition is needed, and one missing timer cannot fail the others.
        distinct = _distinct(timers)
        table.transact_in_chunks(table.op_delete(partition, _sort_key(timer)) for timer in distinct
                                 for partition in (partition_of(timer.timer_id), PARTITION))
        return len(distinct)

    def look(self, now: datetime) -> Look:
        mark = table.get(*MARK_KEY)
        if mark is None or "next_due" not in mark:
            return Look(True, None if mark is None else int(mark["version"]))
        earliest = min([mark["next_due"], *mark.get("written", ())])
        return Look(earliest <= _due_bound(now), int(mark["version"]))

    def mark_next(self, look: Look, next_due: str | None = None) -> None:
        if next_due is None:
            next_due = min((item["sk"] for partition in all_partitions() for item in table.query(partition, limit=1)),
                           default=NOTHING_LEFT)
        mark = {"pk": MARK_KEY[0], "sk": MARK_KEY[1], "next_due": next_due}
        try:
            if look.mark_version is None:
                table.put({**mark, "version": 1}, condition="attribute_not_exists(pk)")
            else:
                table.replace(mark, expected_version=look.mark_version)
        except table.ConditionFailed:
            pass  # a timer was written since the look: the mark now says so, and the next sweep looks again


class MemoryTimers:
    def __init__(self, memory: Memory):
        self._memory, self._items = memory, memory.items["timers"]

    def schedule(self, timer: Timer) -> None:
        with self._memory.lock:
            self._items[_sort_key(timer)] = _item(timer)

    def schedule_many(self, timers: Iterable[Timer]) -> None:
        for timer in timers:
            self.schedule(timer)

    def due(self, now: datetime, limit: int = 500) -> list[Timer]:
        bound = _due_bound(now)
        with self._memory.lock:
            found = sorted(sk for sk in self._items if sk <= bound)[:limit]
            return [_timer(self._items[sk]) for sk in found]

    def due_and_next(self, now: datetime, limit: int = 500) -> Due:
        return Due(self.due(now, limit))  # no mark to keep: `look` reads the items themselves

    def fire(self, timer: Timer) -> bool:
        with self._memory.lock:
            item = self._items.pop(_sort_key(timer), None)
            if item is None:
                return False
            event_id, fired = fired_event(item)
            self._memory.publish(fired, event_id)
            return True

    def fire_many(self, timers: Iterable[Timer]) -> int:
        distinct = _distinct(timers)
        for timer in distinct:
            self.fire(timer)
        return len(distinct)

    def look(self, now: datetime) -> Look:
        bound = _due_bound(now)
        with self._memory.lock:  # the items themselves are the exact mark
            return Look(any(sk <= bound for sk in self._items))

    def mark_next(self, look: Look, next_due: str | None = None) -> None:
        pass
