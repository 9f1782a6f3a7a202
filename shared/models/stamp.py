"""A moment as the table and the API write it: UTC, to the second, with a Z (clock.iso)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer

from shared import clock

Stamp = Annotated[datetime, PlainSerializer(clock.iso, when_used="json")]
