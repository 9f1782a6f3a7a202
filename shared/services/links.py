"""Single-purpose links in visitors' emails: unguessable, stored only hashed, one action each."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from shared import clock
from shared.adapters import table
from shared.errors import Conflict, NotFound
from shared.settings import settings

# action -> (what it does, the route it stands for)
ACTIONS: dict[str, tuple[str, str]] = {
    "confirm": ("Confirm your place", "POST /applications/{application_id}/confirm"),
    "withdraw": ("Withdraw your application", "POST /applications/{application_id}/withdraw"),
    "prep_call": ("Say whether you can join the preparation call", "POST /applications/{application_id}/prep-call"),
    "learning_points": ("Send your learning points", "POST /applications/{application_id}/learning-points"),
    "reflections": ("Record a reflection", "POST /applications/{application_id}/reflections"),
    "stop_follow_up": ("Stop the follow-up emails", "POST /applications/{application_id}/stop-follow-up"),
}


@dataclass(frozen=True)
class Link:
    application_id: str
    action: str
    expires_at: datetime

    def describe(self) -> dict:
        what, route = ACTIONS[self.action]
        return {"action": self.action, "description": what, "method": "POST",
                "stands_for": route.format(application_id=self.application_id),
                "application_id": self.application_id, "expires_at": clock.iso(self.expires_at)}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(application_id: str, action: str, expires_at: datetime) -> str:
    """A new link URL for one application and one action, valid until `expires_at`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action}")
    token = secrets.token_urlsafe(24)  # 192 random bits
    table.put({"pk": f"LINK#{_digest(token)}", "sk": "LINK", "application_id": application_id, "action": action,
               "link_expires_at": clock.iso(expires_at), "expires_at": int(expires_at.timestamp()) + 86400})
    return f"{settings().public_base_url.rstrip('/')}/links/{token}"


def resolve(token: str) -> Link:
    item = table.get(f"LINK#{_digest(token)}", "LINK") if token else None
    if item is None:
        raise NotFound("this link is not known")
    link = Link(item["application_id"], item["action"], clock.parse(item["link_expires_at"]))
    if clock.now() > link.expires_at:
        raise Conflict("this link has expired")
    return link
