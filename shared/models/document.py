"""A document of the programme's bucket (background material, a report, a summary): its key is a plain path."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    key: str
    content: bytes
    content_type: str

    @property
    def filename(self) -> str:
        return self.key.rsplit("/", 1)[-1]
