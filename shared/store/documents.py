"""Documents: the bucket's files (a visit's background material, its report's published versions).

Keys are plain paths chosen by the services. S3 through `shared/adapters/documents.py`, or in
memory; both answer the same: a document is read back with its content type, a missing key reads
as None, `keys` lists what is under a prefix in key order with sizes, and `delete` of a key that
is not there is no error (as S3's).
"""
from __future__ import annotations

from typing import Protocol

from shared.adapters import documents as bucket
from shared.models.document import Document
from shared.store.memory import Memory

OCTET_STREAM = "application/octet-stream"


class DocumentStore(Protocol):
    def put(self, key: str, content: bytes | str, content_type: str = OCTET_STREAM) -> None:
        """Store `content` at `key` (text as UTF-8), replacing what was there."""
    def get(self, key: str) -> Document | None: ...
    def keys(self, prefix: str) -> list[dict]:
        """[{"key", "size"}] of every document under `prefix`, in key order."""
    def delete(self, keys: list[str]) -> None: ...


class S3Documents:
    def put(self, key: str, content: bytes | str, content_type: str = OCTET_STREAM) -> None:
        bucket.put(key, content, content_type)

    def get(self, key: str) -> Document | None:
        return bucket.get(key)

    def keys(self, prefix: str) -> list[dict]:
        return bucket.keys(prefix)

    def delete(self, keys: list[str]) -> None:
        bucket.delete(keys)


class MemoryDocuments:
    def __init__(self, memory: Memory):
        self._memory, self._items = memory, memory.items["documents"]

    def put(self, key: str, content: bytes | str, content_type: str = OCTET_STREAM) -> None:
        with self._memory.lock:
            self._items[key] = Document(key, content.encode("utf-8") if isinstance(content, str) else content,
                                        content_type)

    def get(self, key: str) -> Document | None:
        return self._items.get(key)

    def keys(self, prefix: str) -> list[dict]:
        with self._memory.lock:
            return [{"key": key, "size": len(document.content)}
                    for key, document in sorted(self._items.items()) if key.startswith(prefix)]

    def delete(self, keys: list[str]) -> None:
        with self._memory.lock:
            for key in keys:
                self._items.pop(key, None)
