"""Puts events on the programme's bus."""
from __future__ import annotations

import json
from functools import lru_cache

import boto3

from shared.settings import settings
from shared.topology import EVENT_SOURCE


class PublishFailed(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _client():
    return boto3.client("events")


def publish(event_id: str, detail_type: str, detail: dict) -> None:
    answer = _client().put_events(Entries=[{
        "Source": EVENT_SOURCE, "DetailType": detail_type, "Detail": json.dumps({**detail, "event_id": event_id}),
        "EventBusName": settings().event_bus_name,
    }])
    if answer.get("FailedEntryCount"):
        raise PublishFailed(f"{detail_type} {event_id}: {answer['Entries']}")
