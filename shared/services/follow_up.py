"""After the visit: six weekly nudges, the reflections they ask for, and stopping them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared import clock
from shared.domain.plan import follow_up_week, reflection_opens
from shared.errors import Conflict
from shared.models.application import Application
from shared.models.email import Email
from shared.models.events import FollowUpStopped, ReflectionRecorded
from shared.models.follow_up import ReflectionIn
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.services.applications import Actor
from shared.store.learning import Reflection

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


def record_reflection(stores: Stores, application_id: str, reflection: ReflectionIn, actor: Actor) -> Reflection:
    """A confirmed visitor's reflection for week N, from week N's nudge on; a resubmission replaces it."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="reflections")
    if application.status != "confirmed":
        raise Conflict("only confirmed visitors record reflections")
    visit = visits.find(stores, application.visit_id)
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    now = clock.now()
    opens = reflection_opens(visit, reflection.week)
    if opens is None or now < opens:
        # Week N's reflection answers week N's question, which its nudge asks (the contract's rule).
        when = f"from {clock.iso(opens)}" if opens else "once the visit has taken place"
        raise Conflict(f"the reflection for week {reflection.week} is accepted {when}, when that week's question is sent")
    stored = Reflection(application_id=application_id, visit_id=visit.visit_id, organisation=application.organisation,
                        week=reflection.week, text=reflection.text, recorded_at=now)
    stores.learning.record_reflection(stored, visit, ReflectionRecorded(
        visit_id=visit.visit_id, application_id=application_id, organisation=application.organisation,
        week=reflection.week))
    return stored


def stop(stores: Stores, application_id: str, actor: Actor) -> Application:
    """No more follow-up nudges (the applicant or their link only; asking twice is fine)."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="stop_follow_up", members=False)
    if not application.follow_up_stopped:
        event = FollowUpStopped(visit_id=application.visit_id, application_id=application_id,
                                organisation=application.organisation)
        application = applications.change(stores, application, event, follow_up_stopped=True)
    return application


def nudge(stores: Stores, visit: Visit, application: Application, kind: str) -> Email:
    """The week's nudge: a link to record a reflection, and one to stop the nudges."""
    week = follow_up_week(kind)
    assert week is not None, kind
    return outbound.compose(application.email, "follow_up_week", name=application.name, visit=visit, week=week,
                 links={"reflections": links.issue(stores, application.application_id, "reflections", visit),
                        "stop_follow_up": links.issue(stores, application.application_id, "stop_follow_up", visit)})
