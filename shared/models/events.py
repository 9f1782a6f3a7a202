"""Event contracts: one versioned model per detail-type.

A state change carries its event on the changed item itself (attribute `event`); the publisher
function sends it to the bus from the table's stream, so the two cannot part.
"""
from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import ConfigDict

from shared.models.base import Model


class DomainEvent(Model):
    model_config = ConfigDict(extra="allow")
    detail_type: ClassVar[str]
    version: int = 1

    def as_item_attribute(self) -> dict:
        return {"id": uuid.uuid4().hex, "detail_type": self.detail_type, "detail": self.model_dump(mode="json")}


class VisitEvent(DomainEvent):
    visit_id: str


class VisitCreated(VisitEvent):
    detail_type = "VisitCreated"


class VisitUpdated(VisitEvent):
    detail_type = "VisitUpdated"


class VisitScheduleChanged(VisitEvent):
    """The visit's date or its preparation call was set or moved."""

    detail_type = "VisitScheduleChanged"
    date_version: int
    call_version: int
    date_changed: bool
    call_changed: bool
    # What it was before (ISO or None), so the emails can say "set", "moved" or "new time".
    previous_starts_at: str | None = None
    previous_ends_at: str | None = None
    previous_venue: str | None = None
    previous_prep_call_at: str | None = None


class VisitCancelled(VisitEvent):
    detail_type = "VisitCancelled"


class ApplicationEvent(DomainEvent):
    visit_id: str
    application_id: str
    organisation: str


class ApplicationSubmitted(ApplicationEvent):
    detail_type = "ApplicationSubmitted"


class ApplicationWithdrawn(ApplicationEvent):
    detail_type = "ApplicationWithdrawn"
    previous_status: str
    # "visitor" (the applicant, their link, or the member who applied) or "coordinator".
    withdrawn_by: str = "visitor"


class ApplicationErased(ApplicationEvent):
    """The applicant's personal fields were erased (an application that held or awaited a place
    is withdrawn by the same write, and announces ApplicationWithdrawn instead)."""

    detail_type = "ApplicationErased"


class ApplicationOffered(ApplicationEvent):
    detail_type = "ApplicationOffered"
    offer_expires_at: str
    promotion: bool = False


class ApplicationWaitlisted(ApplicationEvent):
    """The application joined the waiting list (`first`), or its position or reason there moved."""

    detail_type = "ApplicationWaitlisted"
    position: int
    reason: str
    first: bool = True


class ApplicationConfirmed(ApplicationEvent):
    detail_type = "ApplicationConfirmed"


class ApplicationExpired(ApplicationEvent):
    detail_type = "ApplicationExpired"


class PrepCallChanged(ApplicationEvent):
    detail_type = "PrepCallChanged"
    attending: bool


class LearningPointsSubmitted(ApplicationEvent):
    detail_type = "LearningPointsSubmitted"


class ReflectionRecorded(ApplicationEvent):
    detail_type = "ReflectionRecorded"
    week: int


class FollowUpStopped(ApplicationEvent):
    detail_type = "FollowUpStopped"


class SummaryPointHidden(VisitEvent):
    """A coordinator kept a learning point out of the published summary."""

    detail_type = "SummaryPointHidden"
    application_id: str
    index: int


class ReportPublished(VisitEvent):
    detail_type = "ReportPublished"
    report_key: str


class TimerFired(DomainEvent):
    """Published when the sweep removes a due timer: its kind, and the payload it was planned with."""

    detail_type = "TimerFired"
    kind: str
    timer_id: str
    due_at: str
    visit_id: str | None = None
    application_id: str | None = None
    occasion: str | None = None          # the date or call version it was planned for (`date{n}`, `call{n}`)
    communication: str | None = None     # kind "communication": which one


class AllocationRan(VisitEvent):
    """An allocation (or a re-run filling freed places) was written: how many places are held now."""

    detail_type = "AllocationRan"
    first_run: bool
    offered: int
    applicants: int
    waiting: int


class MaterialUploaded(VisitEvent):
    """A coordinator uploaded (or replaced) a file of the visit's background material."""

    detail_type = "MaterialUploaded"
    filename: str
    sha256: str


class AttendanceRecorded(ApplicationEvent):
    """A coordinator recorded whether a confirmed visitor came to the visit."""

    detail_type = "AttendanceRecorded"
    attended: bool


class ApplicationSubstituted(ApplicationEvent):
    """A holder's place went to a colleague of the same organisation (`substitute_id`)."""

    detail_type = "ApplicationSubstituted"
    substitute_id: str
    previous_status: str


class SubstituteTookPlace(ApplicationEvent):
    """A colleague's application took a place (`replaces`), holding it as `status`."""

    detail_type = "SubstituteTookPlace"
    replaces: str
    status: str
