"""Transient AWS failures on purpose, so that tests and the local stack (`make run FAULTS=0.3`) see
what AWS does now and then; and the one way the adapters retry such failures.

One switch, off unless `enable(rate)` is called, which only the local stack and tests do: nothing
in a Lambda function reads an environment variable for it, and `enable` refuses inside a Lambda
runtime (the runtime sets `AWS_LAMBDA_FUNCTION_NAME`), so it cannot be turned on in AWS. When on,
each adapter call fails with probability `rate`, as AWS fails transiently:

| where | `check(...)` kind | what AWS answers |
|---|---|---|
| table writes (put, update, delete) | `table_write` | `ProvisionedThroughputExceededException` |
| transactions | `transaction` | `TransactionCanceledException`, reason `TransactionConflict` |
| event puts | `event_put` | `FailedEntryCount` > 0: that entry refused (`InternalFailure`) |
| email sends | `email_send` | `TooManyRequestsException` |
| queue deliveries (local stack) | `redelivery` | SQS delivers a handled message again (at least once) |

The injected failure happens before the call reaches AWS (nothing is written, put or sent).
"""
from __future__ import annotations

import os
import random
import threading
import time
from typing import Callable, TypeVar

from botocore.exceptions import ClientError

KINDS = ("table_write", "transaction", "event_put", "email_send", "redelivery")
TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TooManyRequestsException", "Throttling",
    "TransactionConflict", "InternalFailure",
})
_ERRORS = {
    "table_write": ("ProvisionedThroughputExceededException", "fault injected: throughput exceeded"),
    "transaction": ("TransactionCanceledException", "fault injected: Transaction cancelled [TransactionConflict]"),
    "email_send": ("TooManyRequestsException", "fault injected: too many requests"),
}

T = TypeVar("T")


class _Switch:
    def __init__(self) -> None:
        self.rate = 0.0
        self.kinds: frozenset[str] = frozenset(KINDS)
        self.injected: dict[str, int] = {kind: 0 for kind in KINDS}
        self._random = random.Random()
        self._lock = threading.Lock()

    def fails(self, kind: str) -> bool:
        if self.rate <= 0 or kind not in self.kinds:
            return False
        with self._lock:
            failing = self._random.random() < self.rate
            if failing:
                self.injected[kind] += 1
        return failing


_switch = _Switch()


def enable(rate: float, *, seed: int | None = None, kinds: tuple[str, ...] = KINDS) -> None:
    """Fail `rate` (0..1) of the adapters' calls of these kinds from now on."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise RuntimeError("fault injection cannot be turned on in a Lambda runtime")
    if not 0 <= rate < 1:
        raise ValueError(f"the fault rate must be at least 0 and below 1, not {rate}")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
    with _switch._lock:
        _switch.rate, _switch.kinds = rate, frozenset(kinds)
        _switch._random = random.Random(seed)
        _switch.injected = {kind: 0 for kind in KINDS}


def disable() -> None:
    with _switch._lock:
        _switch.rate = 0.0


def rate() -> float:
    return _switch.rate


def injected() -> dict[str, int]:
    """How many failures of each kind were injected since `enable`."""
    return dict(_switch.injected)


def check(kind: str, operation: str) -> None:
    """Raise the transient error AWS would (for `operation`) when this call is chosen to fail."""
    if not _switch.fails(kind):
        return
    code, message = _ERRORS[kind]
    response: dict = {"Error": {"Code": code, "Message": message}}
    if kind == "transaction":
        response["CancellationReasons"] = [{"Code": "TransactionConflict",
                                            "Message": "Transaction is ongoing for the item"}]
    raise ClientError(response, operation)


def chosen(kind: str) -> bool:
    """Whether this occasion of `kind` (e.g. a local queue's "redelivery") is one to fail."""
    return _switch.fails(kind)


def refused_entries(count: int) -> set[int]:
    """Which of `count` entries of one PutEvents call the bus refuses this time."""
    return {index for index in range(count) if _switch.fails("event_put")}


# --- retrying what AWS may fail transiently ---------------------------------------------------

ATTEMPTS = 5
BASE_DELAY = 0.02   # seconds; doubled each attempt, full jitter
MAX_DELAY = 0.5


def transient(error: Exception) -> bool:
    """An AWS failure worth retrying as it is: throttling, a conflicting transaction, a service hiccup."""
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionCanceledException":
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
        failing = [r for r in reasons if r not in (None, "None")]
        return bool(failing) and all(r in TRANSIENT_CODES for r in failing)
    return code in TRANSIENT_CODES


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): full jitter, so racers spread out."""
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** attempt))


def retried(call: Callable[[], T], *, attempts: int = ATTEMPTS, sleep: Callable[[float], None] = time.sleep) -> T:
    """`call()`, again after a jittered pause while it fails transiently; the last failure propagates."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except ClientError as error:
            if attempt == attempts or not transient(error):
                raise
            sleep(backoff(attempt))
    raise AssertionError("unreachable")
