"""Bodies of the programme team's tools for a real year: attendance, substitution, cancellation,
resending an email and reissuing a visitor's links."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from shared.models.application import EMAIL_PATTERN
from shared.models.base import Model

ApplicationId = Annotated[str, Field(min_length=1, max_length=100)]


class AttendanceIn(Model):
    """`POST /visits/{id}/attendance`: who came and who did not (confirmed visitors' application ids)."""

    model_config = ConfigDict(extra="forbid")
    attended: Annotated[list[ApplicationId], Field(max_length=500)] = []
    absent: Annotated[list[ApplicationId], Field(max_length=500)] = []


class SubstituteIn(Model):
    """`POST /applications/{id}/substitute`: the colleague who takes the place (same organisation)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
    role: Literal["police", "staff", "academic"]
    job_title: Annotated[str, Field(min_length=1, max_length=200)]
    # Left out: the place's own (the colleague takes over the questions the group agreed).
    motivation: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    questions: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]],
                         Field(min_length=1, max_length=5)] | None = None
    prep_call: Literal["join", "cannot_join"] = "join"
    accessibility_needs: Annotated[str, Field(max_length=2000)] | None = None
    share_accessibility_needs: bool = False

    @field_validator("name", "job_title", "motivation")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None


class ResendIn(Model):
    """`POST /visits/{id}/timeline/resend`: one email of the timeline (its kind and occasion) and its recipient."""

    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, Field(min_length=1, max_length=100)]
    occasion: Annotated[str, Field(min_length=1, max_length=300)]
    to: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]


class CancelIn(Model):
    """`POST /visits/{id}/cancel`: an optional reason, told to everyone the cancellation concerns."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = None

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None
