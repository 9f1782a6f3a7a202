"""The success answers of the API as the OpenAPI document declares them (documentation only).

Routes name these models (shared/http/documented.py); only the OpenAPI document imports this module.

The routes answer plain dicts (Visit.answer, Application.answer, the services' answer dicts); these
models describe those dicts so the document is true of them. A field that an answer leaves out when
it has no value is optional and not nullable; one that is answered as null is nullable.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict
from pydantic.json_schema import SkipJsonSchema

from shared.models.application import Status as ApplicationStatus
from shared.models.base import Model
from shared.models.visit import VisitStatus
from shared.store.audit import AuditEntry


class Out(Model):
    model_config = ConfigDict(extra="allow")


# --- visits -------------------------------------------------------------------------------------

class HostOut(Out):
    organisation: str
    contact_name: str
    contact_email: str


class PublicHost(Out):
    organisation: str


class _VisitBase(Out):
    visit_id: str
    title: str
    theme: str
    venue: str
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int
    applications_close_at: datetime
    prep_call_at: datetime | None
    min_per_organisation: int
    max_per_organisation: int
    status: VisitStatus
    created_at: datetime
    updated_at: datetime
    cancellation_reason: str | None = None


class VisitOut(_VisitBase):
    """A visit as signed-in callers see it."""
    host: HostOut
    prep_call_dial_in: str | None


class PublicVisit(_VisitBase):
    """A visit as anonymous callers see it: the host's organisation only, no dial-in."""
    host: PublicHost


class VisitList(Out):
    visits: list[VisitOut | PublicVisit]


# --- applications -------------------------------------------------------------------------------

class ApplicationOut(Out):
    application_id: str
    visit_id: str
    organisation: str
    status: ApplicationStatus
    name: str
    email: str
    role: Literal["police", "staff", "academic"]
    job_title: str
    motivation: str
    questions: list[str]
    prep_call: Literal["join", "cannot_join"]
    accessibility_needs: str | None
    share_accessibility_needs: bool
    submitted_at: datetime
    updated_at: datetime
    offer_expires_at: datetime | SkipJsonSchema[None] = None
    waitlist_position: int | SkipJsonSchema[None] = None
    waitlist_reason: str | SkipJsonSchema[None] = None
    attending_prep_call: bool
    follow_up_stopped: bool
    # Set when the applicant was erased (DELETE /people/{email}): the personal fields are placeholders.
    erased_at: datetime | SkipJsonSchema[None] = None
    attended: bool | SkipJsonSchema[None] = None
    substituted_by: str | SkipJsonSchema[None] = None
    substitute_for: str | SkipJsonSchema[None] = None


class ApplicationList(Out):
    applications: list[ApplicationOut]


class PrepCallOut(Out):
    application_id: str
    status: ApplicationStatus
    attending: bool
    prep_call: Literal["join", "cannot_join"]


class FollowUpStoppedOut(Out):
    application_id: str
    follow_up_stopped: bool


class ReflectionOut(Out):
    """The reflection as stored, with any extra fields the visitor sent."""
    application_id: str
    visit_id: str
    week: int
    text: str
    recorded_at: datetime


class LearningPointsOut(Out):
    application_id: str
    visit_id: str
    organisation: str
    points: list[str]
    will_adopt: str | None
    public: bool
    submitted_at: datetime


class AttendanceOut(Out):
    """A visit's confirmed visitors by attendance (not recorded: counted as attended)."""
    visit_id: str
    attended: list[str]
    absent: list[str]
    not_recorded: list[str]


class ResendOut(Out):
    visit_id: str
    kind: str
    occasion: str
    to: str
    resend_occasion: str
    fresh_links: int
    resent_at: str


class ReissueOut(Out):
    application_id: str
    to: str
    actions: list[str]
    reissued_at: str


class MaterialOut(Out):
    visit_id: str
    filename: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: str


# --- allocation and timeline ----------------------------------------------------------------------

class Allocated(Out):
    application_id: str
    organisation: str
    status: ApplicationStatus


class Waitlisted(Out):
    application_id: str
    organisation: str
    position: int | None
    reason: str | None


class Allocation(Out):
    visit_id: str
    capacity: int
    allocated: list[Allocated]
    waitlist: list[Waitlisted]


class TimelineItem(Out):
    kind: str
    occasion: str
    due_at: str
    to: list[str]
    status: Literal["planned", "sent", "skipped"]
    sent_at: str | SkipJsonSchema[None] = None
    reason: str | SkipJsonSchema[None] = None  # why a skipped item went to no one


class Timeline(Out):
    visit_id: str
    items: list[TimelineItem]


# --- reports ------------------------------------------------------------------------------------

class ReportVisit(Out):
    visit_id: str
    title: str
    theme: str
    host: PublicHost
    starts_at: str | None
    date: str | None


class Report(Out):
    """The coordinators' full report, attributed."""
    visit_id: str
    visit: ReportVisit
    organisations: list[dict]
    visitors: list[dict]
    questions: list[dict]
    points: list[dict]
    version: int
    published_at: str
    documents: dict[str, str]


class PublicSummary(Out):
    """The published summary: no names, no emails."""
    visit: ReportVisit
    visitors: int
    organisations: int
    learning_points: list[str]
    published_at: str


class HiddenPoint(Out):
    application_id: str
    index: int


class HiddenPoints(Out):
    visit_id: str
    hidden_points: list[HiddenPoint]
    republished: bool


# --- links --------------------------------------------------------------------------------------

class LinkDescription(Out):
    action: Literal["confirm", "withdraw", "prep_call", "learning_points", "reflections", "stop_follow_up"]
    description: str
    method: Literal["POST"]
    stands_for: str
    application_id: str
    expires_at: str


# --- people -------------------------------------------------------------------------------------

class Erased(Out):
    erased: int


class AuditTrail(Out):
    entries: list[AuditEntry]
