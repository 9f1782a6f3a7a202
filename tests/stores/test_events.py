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


def test_timers_scheduled_and_fired_together_each_announce_themselves_once(stores, published):
    due = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    timers = [Timer("offer_expiry", due, f"expiry#a{n}", {"application_id": f"a{n}"}) for n in range(3)]
    stores.timers.schedule_many([*timers, timers[0]])  # the same timer twice is one
    assert [t.timer_id for t in stores.timers.due(due)] == ["expiry#a0", "expiry#a1", "expiry#a2"]
    stores.timers.fire(timers[1])  # another sweep got there first
    assert stores.timers.fire_many(timers) == 3
    assert stores.timers.fire_many(timers) == 3  # again: nothing left to remove, nothing announced
    assert stores.timers.due(due) == []
    assert sorted(detail["timer_id"] for detail_type, detail in published() if detail_type == "TimerFired") == [
        "expiry#a0", "expiry#a1", "expiry#a2"]
