"""The pure plan of a visit's timed communications."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from shared.domain.plan import audience, plan, planned_item, to_schedule

START = datetime(2027, 3, 24, 9, 0, tzinfo=timezone.utc)
CALL = datetime(2027, 3, 10, 14, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class V:
    starts_at: datetime | None = START
    ends_at: datetime | None = START + timedelta(hours=6)
    prep_call_at: datetime | None = CALL
    date_version: int = 1
    call_version: int = 1
    status: str = "allocated"


@dataclass(frozen=True)
class A:
    application_id: str
    status: str = "confirmed"
    email: str = "x@force.example"
    prep_call: str = "join"
    attending_prep_call: bool = True
    follow_up_stopped: bool = False
    attended: bool | None = None


def due(visit, kind):
    [item] = [i for i in plan(visit) if i.kind == kind]
    return item.due_at


def test_every_contract_item_is_planned_at_its_time():
    visit = V()
    assert due(visit, "prep_call_reminder") == due(visit, "background_material") == CALL - timedelta(hours=24)
    assert due(visit, "visit_reminder_7d") == due(visit, "host_questions") == START - timedelta(days=7)
    assert due(visit, "visit_reminder_1d") == START - timedelta(days=1)
    assert due(visit, "learning_points_request") == START + timedelta(days=1)
    assert due(visit, "learning_points_reminder") == START + timedelta(days=6)
    assert due(visit, "report_to_host") == START + timedelta(days=14)
    assert due(visit, "impact_note") == START + timedelta(days=43)
    items = plan(visit)
    assert [i.due_at for i in items] == sorted(i.due_at for i in items)


def test_six_weekly_follow_ups_one_week_apart():
    weekly = [i for i in plan(V()) if i.kind.startswith("follow_up_week_")]
    assert [i.kind for i in weekly] == [f"follow_up_week_{n}" for n in range(1, 7)]
    assert [i.due_at for i in weekly] == [START + timedelta(days=7 * n) for n in range(1, 7)]


def test_a_date_to_be_confirmed_plans_nothing_from_the_date_but_still_the_call():
    items = plan(V(starts_at=None, ends_at=None))
    assert {i.kind for i in items} == {"prep_call_reminder", "background_material"}
    assert plan(V(starts_at=None, ends_at=None, prep_call_at=None)) == []


def test_a_cancelled_visit_plans_nothing():
    assert plan(V(status="cancelled")) == []


def test_moving_the_date_moves_every_date_item_and_changes_its_occasion():
    before = {i.kind: i for i in plan(V())}
    moved = V(starts_at=START + timedelta(days=10), date_version=2)
    after = {i.kind: i for i in plan(moved)}
    for kind in before:
        if kind in ("prep_call_reminder", "background_material"):
            assert after[kind] == before[kind]
            continue
        assert after[kind].due_at == before[kind].due_at + timedelta(days=10)
        assert (before[kind].occasion, after[kind].occasion) == ("date1", "date2")
    assert planned_item(moved, "visit_reminder_7d", "date1") is None
    assert planned_item(moved, "visit_reminder_7d", "date2") == after["visit_reminder_7d"]
    assert planned_item(replace(moved, status="cancelled"), "visit_reminder_7d", "date2") is None


def test_occasions_and_timer_ids_differ_per_item():
    items = plan(V())
    assert len({i.timer_id("v1") for i in items}) == len(items)
    assert {i.timer_kind for i in items if i.kind == "report_to_host"} == {"report_due"}
    assert {i.timer_kind for i in items if i.kind == "impact_note"} == {"impact_due"}
    assert {i.timer_kind for i in items if i.kind not in ("report_to_host", "impact_note")} == {"communication"}


def test_only_items_still_ahead_are_scheduled():
    now = START + timedelta(days=2)
    kinds = [i.kind for i in to_schedule(V(), now)]
    assert "learning_points_request" not in kinds and "visit_reminder_1d" not in kinds
    assert "learning_points_reminder" in kinds and "follow_up_week_6" in kinds


def test_audiences_exclude_those_who_left_answered_or_stopped():
    apps = [A("joins"), A("cannot", prep_call="cannot_join"), A("changed", attending_prep_call=False),
            A("offered", status="offered"), A("gone", status="withdrawn"), A("late", status="expired"),
            A("stopped", follow_up_stopped=True)]
    ids = lambda kind, **kw: {a.application_id for a in audience(kind, apps, **kw)}  # noqa: E731
    assert ids("prep_call_reminder") == {"joins", "stopped"}
    assert ids("background_material") == {"cannot", "changed"}
    assert ids("visit_reminder_7d") == {"joins", "cannot", "changed", "offered", "stopped"}
    assert ids("learning_points_reminder", answered={"joins", "cannot"}) == {"changed", "stopped"}
    assert ids("follow_up_week_3") == {"joins", "cannot", "changed"}
    assert ids("host_questions") == set()


def test_visitors_recorded_absent_are_not_asked_nor_followed_up_and_substituted_ones_hear_nothing():
    apps = [A("came", attended=True), A("unrecorded"), A("absent", attended=False), A("swapped", status="substituted")]
    ids = lambda kind, **kw: {a.application_id for a in audience(kind, apps, **kw)}  # noqa: E731
    for kind in ("learning_points_request", "learning_points_reminder", "follow_up_week_1"):
        assert ids(kind) == {"came", "unrecorded"}, kind
    assert ids("visit_reminder_1d") == {"came", "unrecorded", "absent"}  # attendance is known only afterwards
