"""Visit bodies as the contract states them, and the stored/answered shapes."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from shared.models.application import EMAIL_PATTERN
from shared.models.base import Model
from shared.models.safe_json import single_line

Text = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(single_line)]
DEFAULT_DURATION = timedelta(hours=6)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _in_programme_years(moment: datetime) -> datetime:
    # Beyond these, date arithmetic (a default end, reminders a week before) overflows or means nothing.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"must be a time in the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_in_programme_years)]


class Host(Model):
    model_config = ConfigDict(extra="forbid")
    organisation: Text
    contact_name: Text
    contact_email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]


class VisitFields(Model):
    """What a coordinator sets; shared by create and by the merged result of a patch."""

    model_config = ConfigDict(extra="forbid")
    title: Text
    theme: Text
    host: Host
    venue: Text
    starts_at: Moment | None
    ends_at: Moment | None = None
    capacity: Annotated[int, Field(ge=2, le=500)]
    applications_close_at: Moment
    prep_call_at: Moment | None = None
    prep_call_dial_in: Annotated[str, Field(max_length=300)] | None = None
    min_per_organisation: Annotated[int, Field(ge=1, le=500)] = 2
    max_per_organisation: Annotated[int, Field(ge=1, le=500)] = 4

    @model_validator(mode="after")
    def _consistent(self) -> "VisitFields":
        if "max_per_organisation" not in self.model_fields_set:
            # The default maximum never exceeds a smaller visit's capacity (nor falls below its minimum).
            self.max_per_organisation = max(min(self.max_per_organisation, self.capacity), self.min_per_organisation)
        if self.min_per_organisation > self.capacity:
            raise ValueError("min_per_organisation must not exceed capacity")
        if self.min_per_organisation > self.max_per_organisation:
            raise ValueError("min_per_organisation must not exceed max_per_organisation")
        if self.max_per_organisation > self.capacity:
            raise ValueError("max_per_organisation must not exceed capacity")
        if self.starts_at is not None:
            if self.ends_at is None:
                self.ends_at = self.starts_at + DEFAULT_DURATION
            if self.ends_at <= self.starts_at:
                raise ValueError("ends_at must be after starts_at")
            if self.applications_close_at >= self.starts_at:
                raise ValueError("applications_close_at must be before starts_at")
        elif self.ends_at is not None:
            raise ValueError("ends_at needs starts_at")
        if self.prep_call_at is not None:
            if self.prep_call_at <= self.applications_close_at:
                raise ValueError("prep_call_at must be after applications_close_at")
            if self.starts_at is not None and self.prep_call_at >= self.starts_at:
                raise ValueError("prep_call_at must be before starts_at")
        return self

    def date_problems(self, now: datetime, *, changed: set[str] | None = None) -> dict[str, str]:
        """Rules that need the time: a start (when set, or changed by a patch) in the future."""
        problems: dict[str, str] = {}
        if self.starts_at is not None and (changed is None or "starts_at" in changed) and self.starts_at <= now:
            problems["starts_at"] = "must be in the future"
        return problems


class VisitPatch(Model):
    """JSON Merge Patch of a visit: every field optional; null clears (starts_at: null = to be confirmed)."""

    model_config = ConfigDict(extra="forbid")
    title: Text | None = None
    theme: Text | None = None
    host: dict | None = None
    venue: Text | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: int | None = None
    applications_close_at: Moment | None = None
    prep_call_at: Moment | None = None
    prep_call_dial_in: str | None = None
    min_per_organisation: int | None = None
    max_per_organisation: int | None = None


VisitStatus = Literal["open", "closed", "allocated", "cancelled"]


class Visit(VisitFields):
    """A visit as stored and answered."""

    model_config = ConfigDict(extra="ignore")
    visit_id: str
    status: VisitStatus = "open"
    created_at: datetime
    updated_at: datetime
    date_version: int = 0
    call_version: int = 0
    cancellation_reason: str | None = None   # the coordinator's words, told to everyone concerned
    version: int = 1

    def public_view(self) -> dict:
        """What anonymous callers see: no host contact, no dial-in."""
        body = self.answer()
        body["host"] = {"organisation": self.host.organisation}
        body.pop("prep_call_dial_in", None)
        return body

    def answer(self) -> dict:
        return self.model_dump(mode="json", exclude={"version", "date_version", "call_version"})
