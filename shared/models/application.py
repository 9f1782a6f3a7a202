"""Application bodies as the contract states them, and the stored/answered shape."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from shared.models.base import Model
from shared.models.safe_json import single_line

# An address SES can send to: ASCII (the HTML standard's "valid email address"), a dotted domain of
# labels of at most 63 characters; no spaces, control characters or RFC 5322 specials.
EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{EMAIL_LABEL}(?:\.{EMAIL_LABEL})+$"
Status = Literal["submitted", "offered", "confirmed", "waitlisted", "withdrawn", "expired", "substituted"]
HOLDING = ("offered", "confirmed")
# No longer in the running: nothing more is sent to them (a substituted one gave its place to a colleague).
GONE = ("withdrawn", "expired", "substituted")


class ApplicationIn(Model):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
    role: Literal["police", "staff", "academic"]
    job_title: Annotated[str, Field(min_length=1, max_length=200)]
    motivation: Annotated[str, Field(min_length=1, max_length=2000)]
    questions: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(min_length=1, max_length=5)]
    prep_call: Literal["join", "cannot_join"]
    accessibility_needs: Annotated[str, Field(max_length=2000)] | None = None
    # Whether the host may be told the accessibility needs (in the visitors' list); never without consent.
    share_accessibility_needs: bool = False

    @field_validator("name", "job_title", "motivation")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("name", "job_title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return single_line(value)


class Application(ApplicationIn):
    """An application as stored and answered."""

    model_config = ConfigDict(extra="ignore")
    application_id: str
    visit_id: str
    organisation: str
    status: Status
    submitted_at: datetime
    submitted_by: str                       # the member's email, lower-cased
    submitted_by_name: str | None = None    # the member's name, for emails to them
    updated_at: datetime
    offer_expires_at: datetime | None = None
    waitlist_position: int | None = None
    waitlist_reason: str | None = None
    attending_prep_call: bool = True
    # Times the visitor changed their answer about joining the call (its calendar event's SEQUENCE).
    call_changes: int = 0
    follow_up_stopped: bool = False
    erased_at: datetime | None = None       # the person was erased (shared/domain/erasure.py)
    # Recorded by a coordinator after the visit; None until then (a confirmed visitor counts as attended).
    attended: bool | None = None
    substituted_by: str | None = None       # the colleague's application that took this place
    substitute_for: str | None = None       # the application whose place this one took
    version: int = 1

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING

    @property
    def counts_as_visitor(self) -> bool:
        """A confirmed visitor not recorded absent: asked for learning points, followed up, counted in reports."""
        return self.status == "confirmed" and self.attended is not False

    def answer(self) -> dict:
        body = self.model_dump(mode="json", exclude={"version", "submitted_by", "submitted_by_name", "call_changes"})
        return {k: v for k, v in body.items() if v is not None or k in ("accessibility_needs",)}
