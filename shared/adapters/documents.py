"""The only door to the documents bucket (S3): background material, reports, summaries.

Keys are plain paths; the client is created on first use, never at import. Services reach the
bucket through its store (`shared/store/documents.py`), which has an in-memory twin for tests.
"""
from __future__ import annotations

from functools import lru_cache

import boto3
from botocore.exceptions import ClientError

from shared.models.document import Document
from shared.settings import settings

__all__ = ["Document", "delete", "get", "keys", "put"]


@lru_cache(maxsize=1)
def _client():
    return boto3.client("s3")


def _bucket() -> str:
    return settings().bucket_name


def put(key: str, content: bytes | str, content_type: str = "application/octet-stream") -> None:
    body = content.encode("utf-8") if isinstance(content, str) else content
    _client().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)


def get(key: str) -> Document | None:
    """The document at `key`, or None when there is none."""
    try:
        answer = _client().get_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    return Document(key, answer["Body"].read(), answer.get("ContentType") or "application/octet-stream")


def keys(prefix: str) -> list[dict]:
    """[{"key", "size"}] of every document under `prefix`, in key order."""
    found: list[dict] = []
    paginator = _client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
        found += [{"key": o["Key"], "size": o["Size"]} for o in page.get("Contents", [])]
    return found


def delete(keys: list[str]) -> None:
    """Remove these documents (their current versions; the bucket's lifecycle expires the rest)."""
    for key in keys:
        _client().delete_object(Bucket=_bucket(), Key=key)
