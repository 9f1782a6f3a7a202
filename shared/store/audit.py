"""The coordinators' audit trail: one entry per request a coordinator makes.

Item: pk `AUDIT`, sk `{at, to the microsecond}#{request id}` (newest last), kept as long as personal data is
(shared/domain/retention.py, from the time of the request). An entry names the coordinator, the
route (its template, e.g. `DELETE /people/{email}`), the path parameters except an address (an
erasure must not keep the address it erased), and the answer's status.
"""
from __future__ import annotations

from datetime import timedelta, timezone
from typing import Protocol

from shared.adapters import table
from shared.domain.retention import as_ttl, keep_until
from shared.models.base import Model
from shared.models.stamp import Stamp
from shared.store.memory import Memory

PARTITION = "AUDIT"


class AuditEntry(Model):
    at: Stamp
    request_id: str
    coordinator: str
    method: str
    route: str
    parameters: dict[str, str] = {}
    status: int

    def answer(self) -> dict:
        return self.model_dump(mode="json")


class AuditStore(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def latest(self, limit: int) -> list[AuditEntry]:
        """The newest entries first."""


def _item(entry: AuditEntry, retention: timedelta) -> dict:
    at = entry.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"pk": PARTITION, "sk": f"{at}#{entry.request_id}", **entry.model_dump(mode="json"),
            "expires_at": as_ttl(keep_until(None, entry.at, retention))}


class DynamoAudit:
    def __init__(self, retention: timedelta):
        self._retention = retention

    def record(self, entry: AuditEntry) -> None:
        table.put(_item(entry, self._retention))

    def latest(self, limit: int) -> list[AuditEntry]:
        return [AuditEntry.model_validate(i) for i in table.query(PARTITION, limit=limit, newest_first=True)]


class MemoryAudit:
    def __init__(self, memory: Memory, retention: timedelta):
        self._memory, self._items, self._retention = memory, memory.items["audit"], retention

    def record(self, entry: AuditEntry) -> None:
        item = _item(entry, self._retention)
        with self._memory.lock:
            self._items[item["sk"]] = item

    def latest(self, limit: int) -> list[AuditEntry]:
        with self._memory.lock:
            newest = sorted(self._items, reverse=True)[:limit]
            return [AuditEntry.model_validate(self._items[k]) for k in newest]
