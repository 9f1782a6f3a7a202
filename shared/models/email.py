"""An email as the services compose it, and the `Mailer` that sends one.

Plain values: the services build them without knowing how (SES in AWS and over moto, a recording
fake in tests) an email leaves; `shared/adapters/mailer.py` turns one into raw MIME and sends it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str        # e.g. "text/calendar; method=REQUEST"
    content: str | bytes


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send `email`; the provider's message id."""
        ...
