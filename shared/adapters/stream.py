"""Which event, if any, a table stream record announces (pure)."""
from __future__ import annotations

from boto3.dynamodb.types import TypeDeserializer

from shared.adapters.table import plain
from shared.models.events import TimerFired

_deserializer = TypeDeserializer()
TIMER_PARTITION = "TIMER"


def _image(record: dict, which: str) -> dict:
    raw = record.get("dynamodb", {}).get(which) or {}
    return plain({k: _deserializer.deserialize(v) for k, v in raw.items()})


def event_of_record(record: dict) -> tuple[str, str, dict] | None:
    """(event id, detail-type, detail) for a record that announces something, else None."""
    name = record.get("eventName")
    if name == "REMOVE":
        old = _image(record, "OldImage")
        if old.get("pk") != TIMER_PARTITION:
            return None
        fired = TimerFired(kind=old["kind"], timer_id=old["timer_id"], due_at=old["due_at"], **old.get("payload", {}))
        return f"timer:{old['sk']}", fired.detail_type, fired.model_dump(mode="json")
    new, old = _image(record, "NewImage").get("event"), _image(record, "OldImage").get("event")
    if not new or (old and old.get("id") == new.get("id")):
        return None
    return new["id"], new["detail_type"], new["detail"]
