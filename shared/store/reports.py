"""The visit's report (its claim and each publication) and the points hidden from its summary.

Items (kept as the retention rule says: they name the visit's learning):
- report: pk `VISIT#{vid}`, sk `REPORT`. A conditional put claims it (`assembling`): the one moment
  that decides, after which no learning point is accepted. Publishing (`published`, with its
  ReportPublished) happens only from `assembling`; each re-publication only from the version read.
- hidden points: pk `VISIT#{vid}`, sk `HIDDEN_POINTS`, a list changed on the version read.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Protocol

from shared import clock
from shared.adapters import table
from shared.domain.retention import Dated, as_ttl, keep_until
from shared.errors import Conflict
from shared.models.base import Model
from shared.models.events import DomainEvent
from shared.models.stamp import Stamp
from shared.store.memory import Memory

ASSEMBLING, PUBLISHED = "assembling", "published"
HIDDEN_CHANGED = "the hidden points changed meanwhile; try again"


class ReportRecord(Model):
    visit_id: str
    status: Literal["assembling", "published"]
    claimed_at: Stamp
    occasion: str | None = None
    doc_version: int | None = None
    documents: dict[str, str] = {}
    assembled_at: Stamp | None = None
    published_at: Stamp | None = None
    visitors: int | None = None
    organisations: int | None = None

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED


class HiddenPoint(Model):
    application_id: str
    index: int
    text: str


class HiddenPoints(Model):
    visit_id: str
    points: list[HiddenPoint] = []
    version: int = 0      # 0: none hidden yet (no item)


class ReportStore(Protocol):
    def claim(self, visit_id: str, *, occasion: str, claimed_at: datetime, visit: Dated) -> ReportRecord:
        """Claim the report for assembly if nobody has; the report as it then is (this claim or the earlier)."""
    def find(self, visit_id: str) -> ReportRecord | None: ...
    def publish(self, visit_id: str, *, documents: dict[str, str], assembled_at: datetime, published_at: datetime,
                visitors: int, organisations: int, event: DomainEvent) -> bool:
        """First publication (version 1), only from `assembling`; False when another run published first."""
    def republish(self, visit_id: str, *, from_version: int, documents: dict[str, str], published_at: datetime,
                  event: DomainEvent) -> bool:
        """Publication `from_version + 1`, only if still at `from_version`; False otherwise."""
    def hidden(self, visit_id: str) -> HiddenPoints: ...
    def save_hidden(self, hidden: HiddenPoints, visit: Dated, event: DomainEvent) -> None:
        """Write the list if unchanged since read at `hidden.version`; Conflict otherwise."""


def report_key(visit_id: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": "REPORT"}


def hidden_key(visit_id: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": "HIDDEN_POINTS"}


def _first_publication(documents: dict, assembled_at: datetime, published_at: datetime, visitors: int,
                       organisations: int) -> dict:
    return {"status": PUBLISHED, "doc_version": 1, "documents": documents, "assembled_at": clock.iso(assembled_at),
            "published_at": clock.iso(published_at), "visitors": visitors, "organisations": organisations}


def _hidden_item(hidden: HiddenPoints, expires_at: int) -> dict:
    return {**hidden.model_dump(mode="json"), **hidden_key(hidden.visit_id), "version": hidden.version + 1,
            "expires_at": expires_at}


class DynamoReports:
    def __init__(self, retention: timedelta):
        self._retention = retention

    def claim(self, visit_id: str, *, occasion: str, claimed_at: datetime, visit: Dated) -> ReportRecord:
        record = ReportRecord(visit_id=visit_id, status=ASSEMBLING, claimed_at=claimed_at, occasion=occasion)
        try:
            table.put_new({**record.model_dump(mode="json", exclude_none=True), **report_key(visit_id),
                           "expires_at": as_ttl(keep_until(visit, claimed_at, self._retention))})
        except table.ConditionFailed:
            return self.find(visit_id) or record
        return record

    def find(self, visit_id: str) -> ReportRecord | None:
        item = table.get(**report_key(visit_id))
        return ReportRecord.model_validate(item) if item else None

    def publish(self, visit_id: str, *, documents: dict[str, str], assembled_at: datetime, published_at: datetime,
                visitors: int, organisations: int, event: DomainEvent) -> bool:
        try:
            table.update(**report_key(visit_id),
                         changes=_first_publication(documents, assembled_at, published_at, visitors, organisations),
                         event=event, condition="#status = :assembling", names={"#status": "status"},
                         values={":assembling": ASSEMBLING})
        except table.ConditionFailed:
            return False
        return True

    def republish(self, visit_id: str, *, from_version: int, documents: dict[str, str], published_at: datetime,
                  event: DomainEvent) -> bool:
        try:
            table.update(**report_key(visit_id), changes={"doc_version": from_version + 1, "documents": documents,
                                                          "published_at": clock.iso(published_at)},
                         event=event, condition="doc_version = :version", values={":version": from_version})
        except table.ConditionFailed:
            return False
        return True

    def hidden(self, visit_id: str) -> HiddenPoints:
        item = table.get(**hidden_key(visit_id))
        return HiddenPoints.model_validate(item) if item else HiddenPoints(visit_id=visit_id)

    def save_hidden(self, hidden: HiddenPoints, visit: Dated, event: DomainEvent) -> None:
        item = _hidden_item(hidden, as_ttl(keep_until(visit, clock.now(), self._retention)))
        try:
            if hidden.version:
                table.put(item, event=event, condition="version = :expected", values={":expected": hidden.version})
            else:
                table.put_new(item, event=event)
        except table.ConditionFailed as error:
            raise Conflict(HIDDEN_CHANGED) from error


class MemoryReports:
    def __init__(self, memory: Memory, retention: timedelta):
        self._memory, self._retention = memory, retention
        self._reports, self._hidden = memory.items["reports"], memory.items["hidden_points"]

    def claim(self, visit_id: str, *, occasion: str, claimed_at: datetime, visit: Dated) -> ReportRecord:
        with self._memory.lock:
            if visit_id not in self._reports:
                record = ReportRecord(visit_id=visit_id, status=ASSEMBLING, claimed_at=claimed_at, occasion=occasion)
                self._reports[visit_id] = {**record.model_dump(mode="json", exclude_none=True),
                                           "expires_at": as_ttl(keep_until(visit, claimed_at, self._retention))}
            return ReportRecord.model_validate(self._reports[visit_id])

    def find(self, visit_id: str) -> ReportRecord | None:
        item = self._reports.get(visit_id)
        return ReportRecord.model_validate(item) if item else None

    def publish(self, visit_id: str, *, documents: dict[str, str], assembled_at: datetime, published_at: datetime,
                visitors: int, organisations: int, event: DomainEvent) -> bool:
        with self._memory.lock:
            item = self._reports.get(visit_id)
            if item is None or item["status"] != ASSEMBLING:
                return False
            item.update(_first_publication(documents, assembled_at, published_at, visitors, organisations))
            self._memory.publish(event)
            return True

    def republish(self, visit_id: str, *, from_version: int, documents: dict[str, str], published_at: datetime,
                  event: DomainEvent) -> bool:
        with self._memory.lock:
            item = self._reports.get(visit_id)
            if item is None or item.get("doc_version") != from_version:
                return False
            item.update({"doc_version": from_version + 1, "documents": documents,
                         "published_at": clock.iso(published_at)})
            self._memory.publish(event)
            return True

    def hidden(self, visit_id: str) -> HiddenPoints:
        item = self._hidden.get(visit_id)
        return HiddenPoints.model_validate(item) if item else HiddenPoints(visit_id=visit_id)

    def save_hidden(self, hidden: HiddenPoints, visit: Dated, event: DomainEvent) -> None:
        with self._memory.lock:
            current = self._hidden.get(hidden.visit_id)
            if (current["version"] if current else 0) != hidden.version:
                raise Conflict(HIDDEN_CHANGED)
            self._hidden[hidden.visit_id] = _hidden_item(
                hidden, as_ttl(keep_until(visit, clock.now(), self._retention)))
            self._memory.publish(event)
