"""Copies of sent emails and the registry of a visit's background material.

Items: pk `VISIT#{vid}`; sk `COPY#{kind}#{occasion}#{recipient lower}` (the email as sent, attachments
base64 or text, for a coordinator's resend; kept as long as its send-once record) and
`MATERIAL#{filename}` (`key` in the bucket, `size`, `content_type`, `sha256`, `uploaded_at`; its
MaterialUploaded event written on it).
"""
from __future__ import annotations

from typing import Protocol

from shared.adapters import table
from shared.models.events import DomainEvent
from shared.store.memory import Memory


def copy_key(visit_id: str, kind: str, occasion: str, recipient: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": f"COPY#{kind}#{occasion}#{recipient.lower()}"}


def material_key(visit_id: str, filename: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": f"MATERIAL#{filename}"}


class ExtrasStore(Protocol):
    def keep_copy(self, visit_id: str, kind: str, occasion: str, recipient: str, copy: dict) -> None: ...
    def copy(self, visit_id: str, kind: str, occasion: str, recipient: str) -> dict | None: ...
    def forget_copies(self, visit_id: str, recipient: str) -> int:
        """Delete the visit's kept copies of emails to `recipient` (an erased person: a copy holds
        their address, name and what they were told); how many."""
    def register_material(self, visit_id: str, filename: str, entry: dict, event: DomainEvent) -> None: ...
    def material(self, visit_id: str) -> list[dict]:
        """The visit's registered files, by filename."""


class DynamoExtras:
    def keep_copy(self, visit_id: str, kind: str, occasion: str, recipient: str, copy: dict) -> None:
        table.put({**copy_key(visit_id, kind, occasion, recipient), **copy})

    def copy(self, visit_id: str, kind: str, occasion: str, recipient: str) -> dict | None:
        return table.get(**copy_key(visit_id, kind, occasion, recipient))

    def forget_copies(self, visit_id: str, recipient: str) -> int:
        suffix = f"#{recipient.lower()}"
        copies = [i for i in table.query(f"VISIT#{visit_id}", sk_prefix="COPY#") if i["sk"].endswith(suffix)]
        for item in copies:
            table.delete(item["pk"], item["sk"], must_exist=False)
        return len(copies)

    def register_material(self, visit_id: str, filename: str, entry: dict, event: DomainEvent) -> None:
        table.put({**material_key(visit_id, filename), **entry}, event=event)

    def material(self, visit_id: str) -> list[dict]:
        return table.query(f"VISIT#{visit_id}", sk_prefix="MATERIAL#")


class MemoryExtras:
    def __init__(self, memory: Memory):
        self._memory, self._items = memory, memory.items["extras"]

    def keep_copy(self, visit_id: str, kind: str, occasion: str, recipient: str, copy: dict) -> None:
        key = copy_key(visit_id, kind, occasion, recipient)
        with self._memory.lock:
            self._items[(key["pk"], key["sk"])] = {**key, **copy}

    def copy(self, visit_id: str, kind: str, occasion: str, recipient: str) -> dict | None:
        key = copy_key(visit_id, kind, occasion, recipient)
        with self._memory.lock:
            found = self._items.get((key["pk"], key["sk"]))
        return dict(found) if found else None

    def forget_copies(self, visit_id: str, recipient: str) -> int:
        suffix = f"#{recipient.lower()}"
        with self._memory.lock:
            copies = [k for k in self._items
                      if k[0] == f"VISIT#{visit_id}" and k[1].startswith("COPY#") and k[1].endswith(suffix)]
            for key in copies:
                del self._items[key]
        return len(copies)

    def register_material(self, visit_id: str, filename: str, entry: dict, event: DomainEvent) -> None:
        key = material_key(visit_id, filename)
        with self._memory.lock:
            self._items[(key["pk"], key["sk"])] = {**key, **entry}
            self._memory.publish(event)

    def material(self, visit_id: str) -> list[dict]:
        with self._memory.lock:
            return [dict(v) for (pk, sk), v in sorted(self._items.items())
                    if pk == f"VISIT#{visit_id}" and sk.startswith("MATERIAL#")]
