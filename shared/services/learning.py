"""Visitors' learning points: accepted from the visit's start until the report is assembled.

One item per application (pk `APP#{aid}`, sk `POINTS`); a second submission replaces the
first. The write and the check that the visit's report is not yet assembled are one
transaction, so no point is accepted that the report would then miss.
"""
from __future__ import annotations

from datetime import datetime, timedelta


from shared import clock
from shared.adapters import table
from shared.errors import Conflict
from shared.models.parsing import parse_body
from shared.models.application import Application
from shared.models.events import LearningPointsSubmitted
from shared.models.learning import LearningPointsIn
from shared.models.visit import Visit
from shared.services import applications, visits
from shared.services.applications import Actor
from shared.settings import settings

POINTS = "POINTS"


def points_key(application_id: str) -> dict:
    return {"pk": f"APP#{application_id}", "sk": POINTS}


def report_key(visit_id: str) -> dict:
    """The visit's report item: once it exists, learning points are closed."""
    return {"pk": f"VISIT#{visit_id}", "sk": "REPORT"}


def points_of(application_id: str) -> dict | None:
    """The stored submission of one application, or None."""
    return table.get(**points_key(application_id))


def submit_points(application_id: str, body: dict, actor: Actor) -> tuple[int, dict]:
    """Store (or replace) a confirmed visitor's learning points; 201 with what was stored."""
    application = applications.find(application_id)
    applications.authorize(application, actor, action="learning_points")
    submission = parse(body)
    visit = visits.find(application.visit_id)
    now = clock.now()
    _check_open(visit, application, now)
    item = {
        **points_key(application_id), "application_id": application_id, "visit_id": visit.visit_id,
        "organisation": application.organisation, "points": submission.points,
        "will_adopt": submission.will_adopt, "public": submission.public, "submitted_at": clock.iso(now),
        "expires_at": retention_until(visit, now),
    }
    event = LearningPointsSubmitted(visit_id=visit.visit_id, application_id=application_id,
                                    organisation=application.organisation)
    report = report_key(visit.visit_id)
    try:
        table.transact([table.op_check(report["pk"], report["sk"], "attribute_not_exists(pk)"),
                        table.op_put(item, event=event)])
    except table.ConditionFailed as error:
        raise Conflict("the visit's report is already assembled: learning points are closed") from error
    return 201, answer(item)


def parse(body: dict) -> LearningPointsIn:
    return parse_body(LearningPointsIn, body)


def answer(item: dict) -> dict:
    return {k: item.get(k) for k in ("application_id", "visit_id", "organisation", "points", "will_adopt",
                                     "public", "submitted_at")}


def retention_until(visit: Visit, now: datetime) -> int:
    """Personal data is kept until two years (the retention setting) after the visit ends."""
    end = max(visit.ends_at or now, now)
    return int((end + timedelta(days=settings().retention_days)).timestamp())


def _check_open(visit: Visit, application: Application, now: datetime) -> None:
    if application.status != "confirmed":
        raise Conflict("only confirmed visitors send learning points")
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.starts_at is None or now < visit.starts_at:
        raise Conflict("learning points are accepted from the start of the visit")
    if table.get(**report_key(visit.visit_id)) is not None:
        raise Conflict("the visit's report is already assembled: learning points are closed")
