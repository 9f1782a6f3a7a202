"""Bodies of the visitors' preparation and follow-up requests (prep-call answer, reflections)."""
from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator

from shared.models.base import Model

FOLLOW_UP_WEEKS = 6


class PrepCallIn(Model):
    """`POST /applications/{id}/prep-call`: whether the visitor will join the preparation call."""

    model_config = ConfigDict(extra="ignore")
    attending: StrictBool


class ReflectionIn(Model):
    """`POST /applications/{id}/reflections`: one week's reflection. Fields the contract does not name
    are dropped, never stored as given (an attribute named "" is one DynamoDB refuses)."""

    model_config = ConfigDict(extra="ignore")
    week: Annotated[StrictInt, Field(ge=1, le=FOLLOW_UP_WEEKS)]
    text: Annotated[str, Field(min_length=1, max_length=5000)]

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

