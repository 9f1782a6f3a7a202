"""Answers remembered per Idempotency-Key, written in the same transaction as the change they answer.

Powertools' idempotency puts a record before a POST's action and updates it after: two calls more
around an accepted application's one transaction. Where the answer is known before that transaction
is written (an accepted application's: the application as it is stored), it is remembered inside it
instead: the transaction writes the change and its answer, or neither; a retry meets the change
already made, finds the answer and answers it again (shared/http/idempotency.py). The records live in
the idempotency table beside Powertools' (their ids cannot meet: these start `answer#`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from shared import clock
from shared.adapters import table
from shared.settings import settings
from shared.table_schema import IDEMPOTENCY_PARTITION_KEY, IDEMPOTENCY_TTL_ATTRIBUTE


@dataclass(frozen=True)
class Remember:
    """Remember the answer to this request under `record_id` (its caller, route, path and key, hashed),
    with the hash of its body (the same key with another body is refused)."""
    record_id: str
    body_hash: str
    expires_at: datetime
    status: int

    def operation(self, answer: dict) -> dict:
        """The transaction's item writing the answer, only if nothing is remembered under this id yet."""
        item = {IDEMPOTENCY_PARTITION_KEY: self.record_id, IDEMPOTENCY_TTL_ATTRIBUTE: int(self.expires_at.timestamp()),
                "body_hash": self.body_hash, "status_code": self.status, "answer": json.dumps(answer, default=str)}
        return table.op_put(item, condition=f"attribute_not_exists({IDEMPOTENCY_PARTITION_KEY})",
                            table_name=settings().idempotency_table_name)


@dataclass(frozen=True)
class Remembered:
    body_hash: str
    status: int
    answer: dict


def record_id(scope: str) -> str:
    return f"answer#{scope}"


def remembered(record: str) -> Remembered | None:
    """The answer remembered under `record`, if any still is (DynamoDB removes expired items late)."""
    item = table.get_from(settings().idempotency_table_name, {IDEMPOTENCY_PARTITION_KEY: record})
    if item is None or item[IDEMPOTENCY_TTL_ATTRIBUTE] <= clock.now().timestamp():
        return None
    return Remembered(item["body_hash"], int(item["status_code"]), json.loads(item["answer"]))
