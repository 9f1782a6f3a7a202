"""Visits: one item each, listed through gsi1; every change is optimistic (on the version read).

Item: pk `VISIT#{vid}`, sk `VISIT`, gsi1 `VISITS` / `{created_at}#{vid}` (the list, oldest first).
A visit is the programme's own record, not personal data: it carries no retention.
"""
from __future__ import annotations

from typing import Protocol

from shared import clock
from shared.adapters import table
from shared.errors import Conflict
from shared.models.events import DomainEvent
from shared.models.visit import Visit
from shared.store import timers as timer_items
from shared.store.memory import Memory
from shared.store.timers import Timer

LIST = "VISITS"
CHANGED = "the visit changed meanwhile; try again"


class VisitStore(Protocol):
    def create(self, visit: Visit, event: DomainEvent, timers: tuple[Timer, ...] = ()) -> None:
        """Store a new visit with its event; Conflict if the id is taken."""
    def find(self, visit_id: str) -> Visit | None: ...
    def all(self) -> list[Visit]:
        """Every visit, oldest first."""
    def replace(self, visit: Visit, event: DomainEvent | None) -> Visit:
        """Write `visit` (with its event) if nobody changed it since it was read at `visit.version`;
        the visit as stored (version + 1). Conflict otherwise."""


def key(visit_id: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": "VISIT"}


def _item(visit: Visit) -> dict:
    return {**visit.model_dump(mode="json"), **key(visit.visit_id),
            "gsi1pk": LIST, "gsi1sk": f"{clock.iso(visit.created_at)}#{visit.visit_id}"}


class DynamoVisits:
    def create(self, visit: Visit, event: DomainEvent, timers: tuple[Timer, ...] = ()) -> None:
        # The visit and its timers (the one that closes it) in one transaction: never a visit that never closes.
        try:
            table.transact([table.op_put(_item(visit), event=event, condition="attribute_not_exists(pk)"),
                            *(table.op_put(timer_items.item_of(timer)) for timer in timers)])
        except table.ConditionFailed as error:
            raise Conflict(f"visit {visit.visit_id} exists") from error

    def find(self, visit_id: str) -> Visit | None:
        item = table.get(**key(visit_id))
        return Visit.model_validate(item) if item else None

    def all(self) -> list[Visit]:
        return [Visit.model_validate(i) for i in table.query(LIST, index="gsi1")]

    def replace(self, visit: Visit, event: DomainEvent | None) -> Visit:
        try:
            table.replace(_item(visit), expected_version=visit.version, event=event)
        except table.ConditionFailed as error:
            raise Conflict(CHANGED) from error
        return visit.model_copy(update={"version": visit.version + 1})


class MemoryVisits:
    def __init__(self, memory: Memory):
        self._memory, self._items = memory, memory.items["visits"]

    def create(self, visit: Visit, event: DomainEvent, timers: tuple[Timer, ...] = ()) -> None:
        with self._memory.lock:
            if visit.visit_id in self._items:
                raise Conflict(f"visit {visit.visit_id} exists")
            self._items[visit.visit_id] = _item(visit)
            for timer in timers:
                self._memory.items["timers"][timer_items.sort_key(timer)] = timer_items.item_of(timer)
            self._memory.publish(event)

    def find(self, visit_id: str) -> Visit | None:
        item = self._items.get(visit_id)
        return Visit.model_validate(item) if item else None

    def all(self) -> list[Visit]:
        with self._memory.lock:
            items = sorted(self._items.values(), key=lambda i: i["gsi1sk"])
        return [Visit.model_validate(i) for i in items]

    def replace(self, visit: Visit, event: DomainEvent | None) -> Visit:
        stored = visit.model_copy(update={"version": visit.version + 1})
        with self._memory.lock:
            current = self._items.get(visit.visit_id)
            if current is None or current["version"] != visit.version:
                raise Conflict(CHANGED)
            self._items[visit.visit_id] = _item(stored)
            self._memory.publish(event)
        return stored
