"""The coordinators' audit trail: every request a coordinator makes, recorded after it is answered."""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared import clock
from shared.auth import Caller
from shared.store.audit import AuditEntry

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

# Path parameters never written to the trail (an erasure must not keep the address it erased).
PERSONAL_PARAMETERS = frozenset({"email"})
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def record(stores: Stores, caller: Caller, event: dict, status: int) -> None:
    context = event.get("requestContext") or {}
    parameters = {k: str(v) for k, v in (event.get("pathParameters") or {}).items() if k not in PERSONAL_PARAMETERS}
    stores.audit.record(AuditEntry(
        at=clock.now(), request_id=str(context.get("requestId") or ""), coordinator=caller.email,
        method=str(event.get("httpMethod")), route=str(event.get("resource")), parameters=parameters, status=status))


def latest(stores: Stores, limit: int = DEFAULT_LIMIT) -> list[AuditEntry]:
    return stores.audit.latest(max(1, min(limit, MAX_LIMIT)))
