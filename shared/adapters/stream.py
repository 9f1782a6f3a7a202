"""Which event, if any, a table stream record announces (pure)."""
from __future__ import annotations

from boto3.dynamodb.types import TypeDeserializer

from shared.adapters.table import plain
from shared.store import timers

_deserializer = TypeDeserializer()


def _image(record: dict, which: str) -> dict:
    raw = record.get("dynamodb", {}).get(which) or {}
    return plain({k: _deserializer.deserialize(v) for k, v in raw.items()})


def _event_in(record: dict, which: str) -> dict | None:
    """The image's `event` attribute alone (an email's kept copy is a large image with none to read)."""
    raw = (record.get("dynamodb", {}).get(which) or {}).get("event")
    return plain(_deserializer.deserialize(raw)) if raw is not None else None


def written_timer(record: dict) -> str | None:
    """The sort key of the timer a record writes (a new one, or one written again), else None."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    keys = record.get("dynamodb", {}).get("Keys") or {}
    if not timers.is_timer({"pk": keys.get("pk", {}).get("S", "")}):
        return None
    return keys["sk"]["S"]


def event_of_record(record: dict) -> tuple[str, str, dict] | None:
    """(event id, detail-type, detail) for a record that announces something, else None."""
    name = record.get("eventName")
    if name == "REMOVE":
        old = _image(record, "OldImage")
        if not timers.is_timer(old):
            return None
        event_id, fired = timers.fired_event(old)
        return event_id, fired.detail_type, fired.model_dump(mode="json", exclude_none=True)
    new, old = _event_in(record, "NewImage"), _event_in(record, "OldImage")
    if not new or (old and old.get("id") == new.get("id")):
        return None
    return new["id"], new["detail_type"], new["detail"]
