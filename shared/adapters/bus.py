"""Puts events on the programme's bus, up to ten per PutEvents call (the API's limit)."""
from __future__ import annotations

import json
import time
from functools import lru_cache

import boto3

from shared.adapters import faults
from shared.settings import settings
from shared.topology import EVENT_SOURCE

ENTRIES_PER_CALL = 10  # PutEvents takes at most ten entries

Event = tuple[str, str, dict]  # (event id, detail-type, detail)


class PublishFailed(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _client():
    return boto3.client("events")


PUT_ATTEMPTS = 5  # a refused entry is put again, after a jittered pause, this many times in all


def _entry(event_id: str, detail_type: str, detail: dict) -> dict:
    return {"Source": EVENT_SOURCE, "DetailType": detail_type, "Detail": json.dumps({**detail, "event_id": event_id}),
            "EventBusName": settings().event_bus_name}


def publish_many(events: list[Event]) -> list[int]:
    """Publish every event, ten per call, putting again (jittered) those the bus refuses; the indexes
    (into `events`) of those it still refused after PUT_ATTEMPTS."""
    pending = list(range(len(events)))
    for attempt in range(1, PUT_ATTEMPTS + 1):
        refused: list[int] = []
        for start in range(0, len(pending), ENTRIES_PER_CALL):
            chunk = pending[start:start + ENTRIES_PER_CALL]
            refused += [chunk[index] for index in _put(chunk, events)]
        pending = refused
        if not pending:
            return []
        if attempt < PUT_ATTEMPTS:
            time.sleep(faults.backoff(attempt))
    return pending


def _put(chunk: list[int], events: list[Event]) -> list[int]:
    """One PutEvents call; the positions (in `chunk`) of the entries refused."""
    injected = faults.refused_entries(len(chunk))  # the switch: as if the bus refused these
    sent = [position for position in range(len(chunk)) if position not in injected]
    refused = sorted(injected)
    if sent:
        answer = _client().put_events(Entries=[_entry(*events[chunk[position]]) for position in sent])
        if answer.get("FailedEntryCount"):
            entries = answer.get("Entries") or []
            failed = [index for index, entry in enumerate(entries) if entry.get("ErrorCode")] or range(len(sent))
            refused = sorted(refused + [sent[index] for index in failed])
    return refused


def publish(event_id: str, detail_type: str, detail: dict) -> None:
    if publish_many([(event_id, detail_type, detail)]):
        raise PublishFailed(f"{detail_type} {event_id}: refused by the bus")
