"""The only door to the documents bucket (S3): background material, reports, summaries.

Keys are plain paths; the client is created on first use, never at import. Unit tests choose
`MemoryDocuments` with `use(...)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import boto3
from botocore.exceptions import ClientError

from shared.settings import settings


@dataclass(frozen=True)
class Document:
    key: str
    content: bytes
    content_type: str

    @property
    def filename(self) -> str:
        return self.key.rsplit("/", 1)[-1]


@lru_cache(maxsize=1)
def _client():
    return boto3.client("s3")


def _bucket() -> str:
    return settings().bucket_name


class MemoryDocuments:
    """The bucket in memory, for unit tests."""

    def __init__(self) -> None:
        self.objects: dict[str, Document] = {}

    def put(self, key: str, content: bytes | str, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = Document(key, content.encode("utf-8") if isinstance(content, str) else content,
                                     content_type)

    def get(self, key: str) -> Document | None:
        return self.objects.get(key)

    def keys(self, prefix: str) -> list[dict]:
        return [{"key": k, "size": len(d.content)} for k, d in sorted(self.objects.items()) if k.startswith(prefix)]

    def link(self, key: str, expires_in_seconds: int = 7 * 24 * 3600) -> str:
        return f"https://documents.test/{key}?expires_in={expires_in_seconds}"


_chosen: MemoryDocuments | None = None


def use(documents: MemoryDocuments | None) -> None:
    """Tests: keep documents in memory (None: back to S3)."""
    global _chosen
    _chosen = documents


def put(key: str, content: bytes | str, content_type: str = "application/octet-stream") -> None:
    if _chosen:
        return _chosen.put(key, content, content_type)
    body = content.encode("utf-8") if isinstance(content, str) else content
    _client().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)


def get(key: str) -> Document | None:
    """The document at `key`, or None when there is none."""
    if _chosen:
        return _chosen.get(key)
    try:
        answer = _client().get_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    return Document(key, answer["Body"].read(), answer.get("ContentType") or "application/octet-stream")


def keys(prefix: str) -> list[dict]:
    """[{"key", "size"}] of every document under `prefix`, in key order."""
    if _chosen:
        return _chosen.keys(prefix)
    found: list[dict] = []
    paginator = _client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
        found += [{"key": o["Key"], "size": o["Size"]} for o in page.get("Contents", [])]
    return found


def link(key: str, expires_in_seconds: int = 7 * 24 * 3600) -> str:
    """A time-limited download URL (for documents too large to attach)."""
    if _chosen:
        return _chosen.link(key, expires_in_seconds)
    return _client().generate_presigned_url("get_object", Params={"Bucket": _bucket(), "Key": key},
                                            ExpiresIn=expires_in_seconds)


def delete(keys: list[str]) -> None:
    """Remove these documents (their current versions; the bucket's lifecycle expires the rest)."""
    for key in keys:
        _client().delete_object(Bucket=_bucket(), Key=key)
