"""Learning points and reflections: what a visitor sends after the visit.

Items (personal data, kept as the retention rule says):
- points: pk `APP#{aid}`, sk `POINTS`; a resubmission replaces them. The write and a check that
  the visit's report does not exist yet are one transaction, so no accepted point misses the report.
- reflection: pk `APP#{aid}`, sk `REFLECTION#{week}`; a resubmission for a week replaces it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from shared.adapters import table
from shared.domain.retention import Dated, as_ttl, keep_until
from shared.errors import Conflict
from shared.models.base import Model
from shared.models.events import DomainEvent
from shared.models.stamp import Stamp
from shared.store import reports as report_items
from shared.store.memory import Memory

REPORT_ASSEMBLED = "the visit's report is already assembled: learning points are closed"


class LearningPoints(Model):
    application_id: str
    visit_id: str
    organisation: str
    points: list[str]
    will_adopt: str | None = None
    public: bool = True
    submitted_at: Stamp

    def answer(self) -> dict:
        return self.model_dump(mode="json")


class Reflection(Model):
    application_id: str
    visit_id: str
    organisation: str = ""
    week: int
    text: str
    recorded_at: Stamp


class LearningStore(Protocol):
    def submit_points(self, points: LearningPoints, visit: Dated, event: DomainEvent) -> None:
        """Store (or replace) an application's points with their event, unless the visit's report exists
        (Conflict)."""
    def points_of(self, application_id: str) -> LearningPoints | None: ...
    def record_reflection(self, reflection: Reflection, visit: Dated, event: DomainEvent) -> None:
        """Store (or replace) the week's reflection with its event."""
    def reflections_of(self, application_id: str) -> list[Reflection]:
        """By week."""


def points_key(application_id: str) -> dict:
    return {"pk": f"APP#{application_id}", "sk": "POINTS"}


def reflection_key(application_id: str, week: int) -> dict:
    return {"pk": f"APP#{application_id}", "sk": f"REFLECTION#{week}"}


def _points_item(points: LearningPoints, expires_at: datetime) -> dict:
    return {**points.model_dump(mode="json"), **points_key(points.application_id), "expires_at": as_ttl(expires_at)}


def _reflection_item(reflection: Reflection, expires_at: datetime) -> dict:
    return {**reflection.model_dump(mode="json"), **reflection_key(reflection.application_id, reflection.week),
            "expires_at": as_ttl(expires_at)}


def _by_week(reflections) -> list[Reflection]:
    return sorted(reflections, key=lambda r: (r.week, r.recorded_at))


class DynamoLearning:
    def __init__(self, retention: timedelta):
        self._retention = retention

    def submit_points(self, points: LearningPoints, visit: Dated, event: DomainEvent) -> None:
        item = _points_item(points, keep_until(visit, points.submitted_at, self._retention))
        try:
            table.transact([table.op_check(**report_items.report_key(points.visit_id), condition="attribute_not_exists(pk)"),
                            table.op_put(item, event=event)])
        except table.ConditionFailed as error:
            raise Conflict(REPORT_ASSEMBLED) from error

    def points_of(self, application_id: str) -> LearningPoints | None:
        item = table.get(**points_key(application_id))
        return LearningPoints.model_validate(item) if item else None

    def record_reflection(self, reflection: Reflection, visit: Dated, event: DomainEvent) -> None:
        table.put(_reflection_item(reflection, keep_until(visit, reflection.recorded_at, self._retention)),
                  event=event)

    def reflections_of(self, application_id: str) -> list[Reflection]:
        return _by_week(Reflection.model_validate(i)
                        for i in table.query(f"APP#{application_id}", sk_prefix="REFLECTION#"))


class MemoryLearning:
    def __init__(self, memory: Memory, retention: timedelta):
        self._memory, self._retention = memory, retention
        self._points, self._reflections = memory.items["points"], memory.items["reflections"]

    def submit_points(self, points: LearningPoints, visit: Dated, event: DomainEvent) -> None:
        with self._memory.lock:
            if points.visit_id in self._memory.items["reports"]:
                raise Conflict(REPORT_ASSEMBLED)
            self._points[points.application_id] = _points_item(
                points, keep_until(visit, points.submitted_at, self._retention))
            self._memory.publish(event)

    def points_of(self, application_id: str) -> LearningPoints | None:
        item = self._points.get(application_id)
        return LearningPoints.model_validate(item) if item else None

    def record_reflection(self, reflection: Reflection, visit: Dated, event: DomainEvent) -> None:
        with self._memory.lock:
            self._reflections[(reflection.application_id, reflection.week)] = _reflection_item(
                reflection, keep_until(visit, reflection.recorded_at, self._retention))
            self._memory.publish(event)

    def reflections_of(self, application_id: str) -> list[Reflection]:
        with self._memory.lock:
            items = [i for (aid, _), i in self._reflections.items() if aid == application_id]
        return _by_week(Reflection.model_validate(i) for i in items)
