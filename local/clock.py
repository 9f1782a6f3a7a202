"""The virtual clock: real time plus an offset, moved only forwards by the local controls."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


def _real_now() -> datetime:
    return datetime.now(timezone.utc)


class VirtualClock:
    """Implements `shared.clock.Clock`. Runs at real speed from wherever it was last set."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return _real_now() + self._offset

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        with self._lock:
            self._offset = moment - _real_now()
