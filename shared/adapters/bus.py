"""Puts events on the programme's bus, up to ten per PutEvents call (the API's limit)."""
from __future__ import annotations

import json
from functools import lru_cache

import boto3

from shared.settings import settings
from shared.topology import EVENT_SOURCE

ENTRIES_PER_CALL = 10  # PutEvents takes at most ten entries

Event = tuple[str, str, dict]  # (event id, detail-type, detail)


class PublishFailed(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _client():
    return boto3.client("events")


def _entry(event_id: str, detail_type: str, detail: dict) -> dict:
    return {"Source": EVENT_SOURCE, "DetailType": detail_type, "Detail": json.dumps({**detail, "event_id": event_id}),
            "EventBusName": settings().event_bus_name}


def publish_many(events: list[Event]) -> list[int]:
    """Publish every event, ten per call; the indexes (into `events`) of those the bus refused."""
    failed: list[int] = []
    for start in range(0, len(events), ENTRIES_PER_CALL):
        chunk = events[start:start + ENTRIES_PER_CALL]
        answer = _client().put_events(Entries=[_entry(*event) for event in chunk])
        if answer.get("FailedEntryCount"):
            refused = [index for index, entry in enumerate(answer.get("Entries") or []) if entry.get("ErrorCode")]
            failed += [start + index for index in (refused or range(len(chunk)))]
    return failed


def publish(event_id: str, detail_type: str, detail: dict) -> None:
    if publish_many([(event_id, detail_type, detail)]):
        raise PublishFailed(f"{detail_type} {event_id}: refused by the bus")
