"""Due-time timers: small items, swept hourly, deleted when they fire.

The sweep only deletes; the table's stream turns each deletion into a `TimerFired` event
(see functions/publisher), so a fired timer and its event cannot part. Handlers still check
the current state: a timer planned for an old date or a closed offer does nothing.
"""
from __future__ import annotations

from datetime import datetime

from shared import clock
from shared.adapters import table

PARTITION = "TIMER"


def schedule(kind: str, due_at: datetime, timer_id: str, payload: dict) -> None:
    """Plan `kind` at `due_at`. The same timer_id and time twice is one timer."""
    table.put({"pk": PARTITION, "sk": f"{clock.iso(due_at)}#{timer_id}", "kind": kind, "timer_id": timer_id,
               "due_at": clock.iso(due_at), "payload": payload})


def due(now: datetime, limit: int = 500) -> list[dict]:
    # "~" sorts after every character of a timer id, so every timer due at `now` is included.
    return table.query(PARTITION, sk_at_most=f"{clock.iso(now)}~", limit=limit)


def fire(timer: dict) -> bool:
    """Remove a due timer; False when another sweep already did."""
    return table.delete(timer["pk"], timer["sk"])


def is_timer_key(keys: dict) -> bool:
    return keys.get("pk") == PARTITION
