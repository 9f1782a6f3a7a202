"""Scheduled rules over the virtual clock.

A schedule `every` fires at the instants aligned to multiples of `every` since the Unix epoch
(as EventBridge's `rate()` rules roughly do). Moving the clock fires every occurrence passed over,
in time order across all schedules, each seeing its own time as now, and lets everything that
follows settle before the next one.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from local import env
from local.clock import VirtualClock
from shared import clock as shared_clock

log = logging.getLogger("local.scheduler")

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# The clock is read and written with second precision over HTTP: a target less than this far
# behind now is "now", not a move backwards.
TOLERANCE = timedelta(seconds=1)
ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries


class MovedBackwards(ValueError):
    pass


@dataclass(frozen=True)
class Occurrence:
    at: datetime
    schedule: Any  # shared.topology.Schedule (or a test's stand-in)


def occurrences(schedules, after: datetime, through: datetime) -> list[Occurrence]:
    """Every occurrence in (after, through], in time order (ties: declaration order)."""
    found: list[tuple[datetime, int, Any]] = []
    for index, schedule in enumerate(schedules):
        every: timedelta = schedule.every
        at = EPOCH + ((after - EPOCH) // every + 1) * every
        while at <= through:
            found.append((at, index, schedule))
            at += every
    found.sort(key=lambda item: (item[0], item[1]))
    return [Occurrence(at, schedule) for at, _, schedule in found]


def scheduled_event(rule_arn: str, at: datetime) -> dict:
    """The payload EventBridge sends a scheduled rule's Lambda target."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": env.ACCOUNT_ID, "time": shared_clock.iso(at), "region": env.REGION,
            "resources": [rule_arn], "detail": {}}


class Scheduler:
    def __init__(self, schedules, clock: VirtualClock, invoke: Callable[[str, dict], Any],
                 settle: Callable[[], int], rule_arns: dict[str, str]) -> None:
        self.schedules = tuple(schedules)
        self.clock = clock
        self._invoke = invoke
        self._settle = settle
        self._rule_arns = rule_arns
        self._lock = threading.RLock()
        self.fired_through = clock.now()
        self.fired_total = 0

    def _fire(self, occurrence: Occurrence) -> None:
        schedule = occurrence.schedule
        event = scheduled_event(self._rule_arns[schedule.name], occurrence.at)
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            try:
                self._invoke(schedule.function, event)
                break
            except Exception:  # noqa: BLE001 - an asynchronous invocation's failure is logged, then retried
                log.exception("%s at %s failed (attempt %d of %d)", schedule.name, event["time"], attempt,
                              ASYNC_ATTEMPTS)
        self.fired_total += 1

    def advance(self, to: datetime) -> int:
        """Move the clock to `to`, firing everything passed over; the number of firings."""
        with self._lock:
            now = self.clock.now()
            if to < now - TOLERANCE:
                raise MovedBackwards(f"the clock is at {shared_clock.iso(now)}; it cannot move back to "
                                     f"{shared_clock.iso(to)}")
            started = time.perf_counter()
            self._settle()  # what is pending happens now, before time moves on
            target = max(to, now)  # within the tolerance behind now: stay at now
            due = occurrences(self.schedules, self.fired_through, target)
            for occurrence in due:
                if occurrence.at > self.clock.now():  # never backwards, even by a moment
                    self.clock.set(occurrence.at)
                self._fire(occurrence)
                self._settle()
            if target > self.clock.now():
                self.clock.set(target)
            self.fired_through = max(self.fired_through, target)
            self._settle()
            elapsed = time.perf_counter() - started
            log.info("clock moved to %s: %d firing(s) in %.2f s (%.1f ms each)", shared_clock.iso(target), len(due),
                     elapsed, 1000 * elapsed / len(due) if due else 0.0)
            return len(due)

    def catch_up(self) -> int:
        """Fire what real time has passed over (the background ticker)."""
        with self._lock:
            now = self.clock.now()
            due = occurrences(self.schedules, self.fired_through, now)
            for occurrence in due:
                self._fire(occurrence)
                self._settle()
            self.fired_through = max(self.fired_through, now)
            return len(due)
