"""Single-purpose links in visitors' emails: unguessable, stored only hashed, one action each."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shared import clock
from shared.domain.links import VisitDates, valid_until
from shared.errors import Conflict, NotFound
from shared.settings import settings
from shared.store.links import StoredLink

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


@dataclass(frozen=True)
class Link:
    """A resolved link: which application, which action (shared/link_actions.py), until when."""

    application_id: str
    action: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(stores: Stores, application_id: str, action: str, visit: VisitDates, *,
          offer_expires_at: datetime | None = None) -> str:
    """A new link URL for one application and one action; how long it lives is the one rule
    (shared/domain/links.py), from the visit's dates (and the offer's deadline, for confirm/withdraw)."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    expires_at = valid_until(action, visit, clock.now(), offer_expires_at=offer_expires_at)
    stores.links.add(StoredLink(_digest(token), application_id, action, expires_at))
    return f"{settings().public_base_url.rstrip('/')}/links/{token}"


def find(stores: Stores, token: str) -> Link | None:
    """The link a token stands for, expired or not (None if unknown): to issue a fresh one like it."""
    stored = stores.links.find(_digest(token)) if token else None
    return None if stored is None else Link(stored.application_id, stored.action, stored.expires_at)


class LinkExpired(Conflict):
    """A known link past its time (409); it still says whose and which action it was, for the page saying so."""

    def __init__(self, link: Link):
        super().__init__("this link has expired")
        self.link = link


def resolve(stores: Stores, token: str) -> Link:
    stored = stores.links.find(_digest(token)) if token else None
    if stored is None:
        raise NotFound("this link is not known")
    link = Link(stored.application_id, stored.action, stored.expires_at)
    if clock.now() > link.expires_at:
        raise LinkExpired(link)
    return link
