"""Bodies of the learning-points submission and of a coordinator hiding a point from the summary."""
from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator

from shared.models.base import Model

MAX_POINTS = 10
Point = Annotated[str, Field(min_length=1, max_length=1000)]


class LearningPointsIn(Model):
    """`POST /applications/{id}/learning-points`: what a visitor learnt, and what they will adopt."""

    model_config = ConfigDict(extra="ignore")
    points: Annotated[list[Point], Field(min_length=1, max_length=MAX_POINTS)]
    will_adopt: Annotated[str, Field(max_length=2000)] | None = None
    # True: the points may appear, unattributed, in the published summary.
    public: StrictBool = True

    @field_validator("points")
    @classmethod
    def _no_blank_points(cls, points: list[str]) -> list[str]:
        if any(not p.strip() for p in points):
            raise ValueError("a point must not be blank")
        return [p.strip() for p in points]

    @field_validator("will_adopt")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class HiddenPointIn(Model):
    """`POST /visits/{id}/report/hidden-points`: keep one point out of the published summary."""

    model_config = ConfigDict(extra="forbid")
    application_id: Annotated[str, Field(min_length=1, max_length=100)]
    index: Annotated[StrictInt, Field(ge=0, lt=MAX_POINTS)]
