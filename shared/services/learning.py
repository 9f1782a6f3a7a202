"""Visitors' learning points: accepted from the visit's start until the report is assembled.

One submission per application (a second replaces the first). The store writes it in one
transaction with the check that the visit's report is not yet assembled, so no point is
accepted that the report would then miss.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared import clock
from shared.errors import Conflict
from shared.models.application import Application
from shared.models.events import LearningPointsSubmitted
from shared.models.learning import LearningPointsIn
from shared.models.visit import Visit
from shared.services import applications, visits
from shared.services.applications import Actor
from shared.store.learning import REPORT_ASSEMBLED, LearningPoints

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


def points_of(stores: Stores, application_id: str) -> LearningPoints | None:
    """The stored submission of one application, or None."""
    return stores.learning.points_of(application_id)


def submit_points(stores: Stores, application_id: str, submission: LearningPointsIn, actor: Actor) -> LearningPoints:
    """Store (or replace) a confirmed visitor's learning points; what was stored."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="learning_points")
    visit = visits.find(stores, application.visit_id)
    now = clock.now()
    _check_open(stores, visit, application, now)
    points = LearningPoints(application_id=application_id, visit_id=visit.visit_id,
                            organisation=application.organisation, points=submission.points,
                            will_adopt=submission.will_adopt, public=submission.public, submitted_at=now)
    event = LearningPointsSubmitted(visit_id=visit.visit_id, application_id=application_id,
                                    organisation=application.organisation)
    stores.learning.submit_points(points, visit, event)
    return points


def _check_open(stores: Stores, visit: Visit, application: Application, now: datetime) -> None:
    if application.status != "confirmed":
        raise Conflict("only confirmed visitors send learning points")
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.starts_at is None or now < visit.starts_at:
        raise Conflict("learning points are accepted from the start of the visit")
    if stores.reports.find(visit.visit_id) is not None:
        raise Conflict(REPORT_ASSEMBLED)
