"""What the in-memory stores share: one lock (so a named transaction is all or nothing, as in
DynamoDB) and the events written, in order, as the table's stream would publish them."""
from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from shared.models.events import DomainEvent


@dataclass
class Memory:
    lock: threading.RLock = field(default_factory=threading.RLock)
    # kind of item -> key -> (stored value, kept until); each store owns its own kind
    items: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    events: list[tuple[str, DomainEvent]] = field(default_factory=list)

    def publish(self, event: DomainEvent | None, event_id: str | None = None) -> None:
        """Record the event of a state change (the stream would carry it from the item to the bus)."""
        if event is not None:
            self.events.append((event_id or uuid.uuid4().hex, event))

    def take_events(self) -> list[tuple[str, DomainEvent]]:
        """The events written since the last call (what a publisher would send now)."""
        with self.lock:
            taken, self.events = self.events, []
        return taken
