"""Links: a visitor's single-purpose link, stored only as the hash of its token.

Item: pk `LINK#{sha256(token)}`, sk `LINK`; kept a day past the link's own expiry, so a
visitor who opens it late is told "expired" rather than "unknown".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared import clock
from shared.adapters import table
from shared.store.memory import Memory

KEPT_AFTER_EXPIRY = timedelta(days=1)


@dataclass(frozen=True)
class StoredLink:
    digest: str               # sha256 of the token: the token itself is never stored
    application_id: str
    action: str
    expires_at: datetime


class LinkStore(Protocol):
    def add(self, link: StoredLink) -> None: ...
    def find(self, digest: str) -> StoredLink | None: ...


def _key(digest: str) -> dict:
    return {"pk": f"LINK#{digest}", "sk": "LINK"}


def _item(link: StoredLink) -> dict:
    return {**_key(link.digest), "application_id": link.application_id, "action": link.action,
            "link_expires_at": clock.iso(link.expires_at),
            "expires_at": int((link.expires_at + KEPT_AFTER_EXPIRY).timestamp())}


def _link(item: dict) -> StoredLink:
    return StoredLink(item["pk"].removeprefix("LINK#"), item["application_id"], item["action"],
                      clock.parse(item["link_expires_at"]))


class DynamoLinks:
    def add(self, link: StoredLink) -> None:
        table.put(_item(link))

    def find(self, digest: str) -> StoredLink | None:
        item = table.get(**_key(digest))
        return _link(item) if item else None


class MemoryLinks:
    def __init__(self, memory: Memory):
        self._memory, self._items = memory, memory.items["links"]

    def add(self, link: StoredLink) -> None:
        with self._memory.lock:
            self._items[link.digest] = _item(link)

    def find(self, digest: str) -> StoredLink | None:
        item = self._items.get(digest)
        return _link(item) if item else None
