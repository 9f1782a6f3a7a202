"""Stores: one per kind of item, each behind a Protocol, in DynamoDB (the bucket: S3) or in memory.

A store owns its items' key formats and index names, the mapping between item and model,
how long what it writes is kept (`shared/domain/retention.py`), the event written on the
changed item itself, and turning a failed condition into `Conflict`. Services are given their
stores (`stores: Stores`, their first parameter) and never look them up: the entries (the routes,
the consumers' dispatch, the link actions, the sweep) get them from `stores()`, the DynamoDB ones
built on first use (a Lambda's entry pays for nothing it does not touch), and pass them in.

The in-memory stores honour the same conditions and all-or-nothing operations (one lock over
one `Memory`) and record the events they write in order, as the table's stream would; one
contract suite (tests/stores) runs against both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from shared.settings import settings

if TYPE_CHECKING:  # the store modules are imported when the stores are built, not at every cold start
    from shared.store.allocation import AllocationStore
    from shared.store.applications import ApplicationStore
    from shared.store.audit import AuditStore
    from shared.store.documents import DocumentStore
    from shared.store.extras import ExtrasStore
    from shared.store.learning import LearningStore
    from shared.store.links import LinkStore
    from shared.store.memory import Memory
    from shared.store.reports import ReportStore
    from shared.store.sent import SentStore
    from shared.store.timers import TimerStore
    from shared.store.visits import VisitStore


@dataclass(frozen=True)
class Stores:
    links: LinkStore
    sent: SentStore
    timers: TimerStore
    visits: VisitStore
    applications: ApplicationStore
    learning: LearningStore
    reports: ReportStore
    allocation: AllocationStore
    audit: AuditStore
    extras: ExtrasStore
    documents: DocumentStore
    memory: Memory | None = None   # the in-memory database behind them, if that is what they are


@lru_cache(maxsize=1)
def dynamodb() -> Stores:
    from shared.store.allocation import DynamoAllocation
    from shared.store.applications import DynamoApplications
    from shared.store.audit import DynamoAudit
    from shared.store.documents import S3Documents
    from shared.store.extras import DynamoExtras
    from shared.store.learning import DynamoLearning
    from shared.store.links import DynamoLinks
    from shared.store.reports import DynamoReports
    from shared.store.sent import DynamoSent
    from shared.store.timers import DynamoTimers
    from shared.store.visits import DynamoVisits

    retention = settings().retention
    return Stores(links=DynamoLinks(), sent=DynamoSent(retention), timers=DynamoTimers(), visits=DynamoVisits(),
                  applications=DynamoApplications(retention), learning=DynamoLearning(retention),
                  reports=DynamoReports(retention), allocation=DynamoAllocation(), audit=DynamoAudit(retention),
                  extras=DynamoExtras(), documents=S3Documents())


def in_memory(memory: Memory | None = None, retention: timedelta | None = None) -> Stores:
    from shared.store.allocation import MemoryAllocation
    from shared.store.applications import MemoryApplications
    from shared.store.audit import MemoryAudit
    from shared.store.documents import MemoryDocuments
    from shared.store.extras import MemoryExtras
    from shared.store.learning import MemoryLearning
    from shared.store.links import MemoryLinks
    from shared.store.memory import Memory
    from shared.store.reports import MemoryReports
    from shared.store.sent import MemorySent
    from shared.store.timers import MemoryTimers
    from shared.store.visits import MemoryVisits

    memory, retention = memory or Memory(), retention or settings().retention
    return Stores(links=MemoryLinks(memory), sent=MemorySent(memory, retention), timers=MemoryTimers(memory),
                  visits=MemoryVisits(memory), applications=MemoryApplications(memory, retention),
                  learning=MemoryLearning(memory, retention), reports=MemoryReports(memory, retention),
                  allocation=MemoryAllocation(memory), audit=MemoryAudit(memory, retention),
                  extras=MemoryExtras(memory), documents=MemoryDocuments(memory),
                  memory=memory)


# The entries' one seam: tests that call a Lambda handler (its routes and consumer) over in-memory
# stores choose them here, since a handler is built at import and takes no arguments of ours.
_at_entries: Stores | None = None


def stores() -> Stores:
    """The stores an entry passes to the services: DynamoDB's, unless `use_at_entries` chose others."""
    return _at_entries or dynamodb()


def use_at_entries(chosen: Stores | None) -> None:
    """Make the entries pass `chosen` (handler-level tests: `use_at_entries(in_memory())`; None: DynamoDB's)."""
    global _at_entries
    _at_entries = chosen
