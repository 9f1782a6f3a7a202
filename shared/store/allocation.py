"""What allocation keeps: the per-visit lease, the record of its runs, and the fairness ledger.

Items (the programme's own bookkeeping, no personal data: the lease expires within the hour;
the record and the ledger last as long as the visit):
- lease: pk `VISIT#{vid}`, sk `LEASE#{name}`; taken by a conditional put when free or lapsed;
- record: pk `VISIT#{vid}`, sk `ALLOCATION` (first and last run, number of runs);
- ledger line: pk `LEDGER`, sk `ORG#{organisation casefolded}#VISIT#{vid}`: places an organisation
  holds in one visit's allocation (the rule weighs the OTHER visits' lines).
"""
from __future__ import annotations

from typing import Protocol

from shared.adapters import table
from shared.models.base import Model
from shared.models.events import DomainEvent
from shared.models.stamp import Stamp
from shared.store.memory import Memory

LEDGER = "LEDGER"
LEASE_ITEM_SECONDS = 3600   # a lease item's own TTL: long after any holder is gone


class AllocationRecord(Model):
    visit_id: str
    first_ran_at: Stamp
    ran_at: Stamp
    runs: int


class LedgerLine(Model):
    organisation_key: str
    organisation: str
    visit_id: str
    places: int
    updated_at: Stamp


class AllocationStore(Protocol):
    def take_lease(self, visit_id: str, name: str, *, holder: str, now_ms: int, held_until_ms: int) -> bool:
        """Hold the lease if it is free or its holder's time ran out (`now_ms` is wall-clock time)."""
    def release_lease(self, visit_id: str, name: str, *, holder: str) -> bool:
        """False when someone else took it over meanwhile."""
    def record(self, visit_id: str) -> AllocationRecord | None: ...
    def save_record(self, record: AllocationRecord, event: DomainEvent | None = None) -> None: ...
    def ledger(self) -> list[LedgerLine]:
        """Every line of every visit, by organisation then visit."""
    def save_line(self, line: LedgerLine) -> None: ...
    def save_lines(self, lines: list[LedgerLine]) -> None:
        """`save_line` each, in as few writes as the store allows."""


def lease_key(visit_id: str, name: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": f"LEASE#{name}"}


def record_key(visit_id: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": "ALLOCATION"}


def line_key(line: LedgerLine) -> dict:
    return {"pk": LEDGER, "sk": f"ORG#{line.organisation_key}#VISIT#{line.visit_id}"}


class DynamoAllocation:
    def take_lease(self, visit_id: str, name: str, *, holder: str, now_ms: int, held_until_ms: int) -> bool:
        try:
            table.put({**lease_key(visit_id, name), "holder": holder, "held_until_ms": held_until_ms,
                       "expires_at": now_ms // 1000 + LEASE_ITEM_SECONDS},
                      condition="attribute_not_exists(pk) OR held_until_ms < :now", values={":now": now_ms})
        except table.ConditionFailed:
            return False
        return True

    def release_lease(self, visit_id: str, name: str, *, holder: str) -> bool:
        try:
            table.update(**lease_key(visit_id, name), changes={"held_until_ms": 0}, condition="holder = :me",
                         values={":me": holder})
        except table.ConditionFailed:
            return False
        return True

    def record(self, visit_id: str) -> AllocationRecord | None:
        item = table.get(**record_key(visit_id))
        return AllocationRecord.model_validate(item) if item else None

    def save_record(self, record: AllocationRecord, event: DomainEvent | None = None) -> None:
        table.put({**record_key(record.visit_id), **record.model_dump(mode="json")}, event=event)

    def ledger(self) -> list[LedgerLine]:
        return [LedgerLine.model_validate(i) for i in table.query(LEDGER, sk_prefix="ORG#")]

    def save_line(self, line: LedgerLine) -> None:
        table.put({**line_key(line), **line.model_dump(mode="json")})

    def save_lines(self, lines: list[LedgerLine]) -> None:
        table.transact_in_chunks(table.op_put({**line_key(line), **line.model_dump(mode="json")}) for line in lines)


class MemoryAllocation:
    def __init__(self, memory: Memory):
        self._memory = memory
        self._leases, self._records, self._ledger = (memory.items["leases"], memory.items["allocations"],
                                                     memory.items["ledger"])

    def take_lease(self, visit_id: str, name: str, *, holder: str, now_ms: int, held_until_ms: int) -> bool:
        with self._memory.lock:
            current = self._leases.get((visit_id, name))
            if current is not None and current["held_until_ms"] >= now_ms:
                return False
            self._leases[(visit_id, name)] = {"holder": holder, "held_until_ms": held_until_ms}
            return True

    def release_lease(self, visit_id: str, name: str, *, holder: str) -> bool:
        with self._memory.lock:
            current = self._leases.get((visit_id, name))
            if current is None or current["holder"] != holder:
                return False
            current["held_until_ms"] = 0
            return True

    def record(self, visit_id: str) -> AllocationRecord | None:
        item = self._records.get(visit_id)
        return AllocationRecord.model_validate(item) if item else None

    def save_record(self, record: AllocationRecord, event: DomainEvent | None = None) -> None:
        with self._memory.lock:
            self._records[record.visit_id] = record.model_dump(mode="json")
            self._memory.publish(event)

    def ledger(self) -> list[LedgerLine]:
        with self._memory.lock:
            items = [self._ledger[k] for k in sorted(self._ledger)]
        return [LedgerLine.model_validate(i) for i in items]

    def save_line(self, line: LedgerLine) -> None:
        with self._memory.lock:
            self._ledger[line_key(line)["sk"]] = line.model_dump(mode="json")

    def save_lines(self, lines: list[LedgerLine]) -> None:
        for line in lines:
            self.save_line(line)
