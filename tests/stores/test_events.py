"""A state change and its event cannot part: every store writes the event with the change it
announces, once, and a write that loses its condition announces nothing (DynamoDB and memory alike)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.errors import Conflict
from shared.models.events import (
    ApplicationWithdrawn,
    LearningPointsSubmitted,
    VisitCreated,
    VisitUpdated,
)
from shared.store.learning import LearningPoints
from shared.store.timers import Timer
from tests.stores.test_visits_applications import T0, application, submitted, visit


def test_each_change_announces_itself_once_and_a_lost_condition_announces_nothing(stores, published):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    read = stores.visits.find("v1")
    stores.visits.replace(read.model_copy(update={"title": "Hot spots, again"}), VisitUpdated(visit_id="v1"))
    with pytest.raises(Conflict):
        stores.visits.replace(read.model_copy(update={"title": "Lost"}), VisitUpdated(visit_id="v1"))
    app = application()
    stores.applications.submit(app, visit(), submitted(app))
    with pytest.raises(Conflict):
        stores.applications.submit(app.model_copy(update={"application_id": "a2"}), visit(), submitted(app))
    stores.applications.change(app, ApplicationWithdrawn(visit_id="v1", application_id="a1", organisation="Essex Police",
                                                         previous_status="submitted"), status="withdrawn")
    stores.learning.submit_points(
        LearningPoints(application_id="a1", visit_id="v1", organisation="Essex Police", points=["Huddles"],
                       submitted_at=T0 + timedelta(days=60)), visit(),
        LearningPointsSubmitted(visit_id="v1", application_id="a1", organisation="Essex Police"))
    assert [(detail_type, detail.get("application_id")) for detail_type, detail in published()] == [
        ("VisitCreated", None), ("VisitUpdated", None), ("ApplicationSubmitted", "a1"),
        ("ApplicationWithdrawn", "a1"), ("LearningPointsSubmitted", "a1")]


def test_a_fired_timer_announces_itself_with_its_payload_once(stores, published):
    due = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    timer = Timer("applications_close", due, "close#v1", {"visit_id": "v1"})
    stores.timers.schedule(timer)
    assert stores.timers.fire(timer) and not stores.timers.fire(timer)
    [(detail_type, detail)] = published()
    assert detail_type == "TimerFired"
    assert {k: detail[k] for k in ("kind", "timer_id", "due_at", "visit_id")} == {
        "kind": "applications_close", "timer_id": "close#v1", "due_at": "2027-01-05T17:00:00Z", "visit_id": "v1"}
