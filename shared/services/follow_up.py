"""After the visit: six weekly nudges, the reflections they ask for, and stopping them."""
from __future__ import annotations

from datetime import timedelta


from shared import clock
from shared.adapters import table
from shared.adapters.mailer import Email
from shared.domain.plan import DATE_OFFSETS, follow_up_week
from shared.errors import Conflict
from shared.models.application import Application
from shared.models.events import FollowUpStopped, ReflectionRecorded
from shared.models.follow_up import ReflectionIn
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.services.applications import Actor
from shared.models.parsing import parse_body
from shared.settings import settings

# Reflection and stop links stay usable a week after the last nudge.
LINK_WINDOW = DATE_OFFSETS["follow_up_week_6"] + timedelta(days=7)


def reflection_key(application_id: str, week: int) -> dict:
    return {"pk": f"APP#{application_id}", "sk": f"REFLECTION#{week}"}


def reflections_of(application_id: str) -> list[dict]:
    return table.query(f"APP#{application_id}", sk_prefix="REFLECTION#")


def record_reflection(application_id: str, body: dict, actor: Actor) -> tuple[int, dict]:
    """A confirmed visitor's reflection for a week, from the visit's start on; a resubmission replaces it."""
    reflection = parse_body(ReflectionIn, body)
    application = applications.find(application_id)
    applications.authorize(application, actor, action="reflections")
    if application.status != "confirmed":
        raise Conflict("only confirmed visitors record reflections")
    visit = visits.find(application.visit_id)
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    now = clock.now()
    if visit.starts_at is None or now < visit.starts_at:
        raise Conflict("reflections are recorded from the start of the visit")
    stored = {"application_id": application_id, "visit_id": visit.visit_id, "week": reflection.week,
              "text": reflection.text, "recorded_at": clock.iso(now)}
    extras = _extras(reflection)
    retention = (visit.ends_at or now) + timedelta(days=settings().retention_days)
    table.put({**reflection_key(application_id, reflection.week), **stored, "extra": extras,
               "organisation": application.organisation, "expires_at": int(retention.timestamp())},
              event=ReflectionRecorded(visit_id=visit.visit_id, application_id=application_id,
                                       organisation=application.organisation, week=reflection.week))
    return 201, {**stored, **extras}


def _extras(reflection: ReflectionIn) -> dict:
    reserved = {"application_id", "visit_id", "week", "text", "recorded_at"}
    return {k: v for k, v in reflection.extras().items() if k not in reserved}


def stop(application_id: str, body: dict, actor: Actor) -> tuple[int, dict]:
    """No more follow-up nudges (the applicant or their link only; asking twice is fine)."""
    application = applications.find(application_id)
    applications.authorize(application, actor, action="stop_follow_up", members=False)
    if not application.follow_up_stopped:
        event = FollowUpStopped(visit_id=application.visit_id, application_id=application_id,
                                organisation=application.organisation)
        application = applications.change(application, event, follow_up_stopped=True)
    return 200, {"application_id": application_id, "follow_up_stopped": True}


def nudge(visit: Visit, application: Application, kind: str) -> Email:
    """The week's nudge: a link to record a reflection, and one to stop the nudges."""
    week = follow_up_week(kind)
    assert week is not None, kind
    until = (visit.starts_at or clock.now()) + LINK_WINDOW
    return outbound.compose(application.email, "follow_up_week", name=application.name, visit=visit, week=week,
                 links={"reflections": links.issue(application.application_id, "reflections", until),
                        "stop_follow_up": links.issue(application.application_id, "stop_follow_up", until)})
