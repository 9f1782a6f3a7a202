"""The visits routes over moto, as a coordinator, a member and an anonymous caller see them."""
from __future__ import annotations

import pytest

from shared.adapters import table
from shared.store import timers as timer_items
from tests.helpers import COORDINATOR, call, member

VISIT = {
    "title": "Staff wellbeing", "theme": "How to manage staff wellbeing and develop personal resilience",
    "host": {"organisation": "Lancashire Constabulary", "contact_name": "Pat Host", "contact_email": "pat@lancs.example"},
    "venue": "Hutton HQ", "starts_at": "2027-01-19T10:00:00Z", "capacity": 6,
    "applications_close_at": "2027-01-05T17:00:00Z", "prep_call_at": "2027-01-12T10:00:00Z",
    "prep_call_dial_in": "0800 111 2222 PIN 9",
}


@pytest.fixture
def api(aws):
    from functions.visits.handler import handler

    return handler


def create(api, body=VISIT, claims=COORDINATOR, **kwargs):
    return call(api, "POST", "/visits", "/visits", body, claims=claims, **kwargs)


def patch(api, visit_id, body):
    return call(api, "PATCH", f"/visits/{visit_id}", "/visits/{visit_id}", body, claims=COORDINATOR,
                path_parameters={"visit_id": visit_id})


def test_coordinator_creates_and_anyone_lists_without_contacts(api):
    status, visit = create(api)
    assert status == 201 and visit["visit_id"] and visit["ends_at"] == "2027-01-19T16:00:00Z"
    status, listing = call(api, "GET", "/visits", "/visits")
    assert status == 200
    [listed] = listing["visits"]
    assert listed["visit_id"] == visit["visit_id"]
    assert "contact_email" not in listed["host"] and "prep_call_dial_in" not in listed
    status, signed_in = call(api, "GET", "/visits", "/visits", claims=member("a@kent.example", "Kent Police"))
    assert signed_in["visits"][0]["host"]["contact_email"] == "pat@lancs.example"


def test_member_is_forbidden_and_nobody_is_unauthorised(api):
    assert create(api, claims=member("a@kent.example", "Kent Police"))[0] == 403
    status, body = create(api, claims=None)
    assert status == 401 and body["message"]


def test_invalid_body_names_each_field_and_stores_nothing(api):
    status, body = create(api, {**VISIT, "capacity": 1, "host": {"organisation": "X"}})
    assert status == 422
    assert "capacity" in body["fields"] and "host.contact_name" in body["fields"]
    assert table.query("VISITS", index="gsi1") == []


def test_limits_must_be_consistent(api):
    status, body = create(api, {**VISIT, "min_per_organisation": 3, "max_per_organisation": 2})
    assert status == 422 and "min_per_organisation" in body["message"]


def test_patch_moves_the_date_and_announces_it(api):
    _, visit = create(api)
    status, moved = patch(api, visit["visit_id"], {"starts_at": "2027-01-26T10:00:00Z"})
    assert status == 200 and moved["starts_at"] == "2027-01-26T10:00:00Z" and moved["ends_at"] == "2027-01-26T16:00:00Z"
    stored = table.get(f"VISIT#{visit['visit_id']}", "VISIT")
    assert stored["event"]["detail_type"] == "VisitScheduleChanged" and stored["date_version"] == 2


def test_patch_to_be_confirmed_and_back(api):
    _, visit = create(api)
    status, tbc = patch(api, visit["visit_id"], {"starts_at": None})
    assert status == 200 and tbc["starts_at"] is None and tbc["ends_at"] is None
    status, dated = patch(api, visit["visit_id"], {"starts_at": "2027-02-01T09:00:00Z"})
    assert status == 200 and dated["ends_at"] == "2027-02-01T15:00:00Z"


def test_patch_rejects_unknown_visit_and_bad_values(api):
    assert patch(api, "nope", {"capacity": 8})[0] == 404
    _, visit = create(api)
    status, body = patch(api, visit["visit_id"], {"capacity": "many"})
    assert status == 422 and "capacity" in body["fields"]


def test_cancel_then_patch_conflicts(api):
    _, visit = create(api)
    vid = visit["visit_id"]
    status, cancelled = call(api, "POST", f"/visits/{vid}/cancel", "/visits/{visit_id}/cancel", claims=COORDINATOR,
                             path_parameters={"visit_id": vid})
    assert status == 200 and cancelled["status"] == "cancelled"
    assert patch(api, vid, {"capacity": 8})[0] == 409


def test_idempotency_key_replays_and_rejects_another_body(api):
    headers = {"Idempotency-Key": "create-1"}
    first = create(api, headers=headers)
    again = create(api, headers=headers)
    assert first[0] == again[0] == 201 and first[1]["visit_id"] == again[1]["visit_id"]
    assert len(table.query("VISITS", index="gsi1")) == 1
    status, body = create(api, {**VISIT, "title": "Another"}, headers=headers)
    assert status == 422 and "Idempotency-Key" in body["fields"]


def test_body_that_is_not_json_is_a_400(api):
    status, body = call(api, "POST", "/visits", "/visits", raw_body="{not json", claims=COORDINATOR)
    assert status == 400 and body["message"]


def test_unknown_visit_is_404(api):
    status, body = call(api, "GET", "/visits/missing", "/visits/{visit_id}", path_parameters={"visit_id": "missing"})
    assert status == 404 and "missing" in body["message"]


def test_creating_plans_the_closing_of_applications(api):
    _, visit = create(api)
    [timer] = [t for p in timer_items.all_partitions() for t in table.query(p)]
    assert timer["kind"] == "applications_close" and timer["payload"]["visit_id"] == visit["visit_id"]
    assert timer["due_at"] == "2027-01-05T17:00:00Z"


def test_who_may_call_is_decided_before_the_body_is_read(api):
    status, body = create(api, {"title": ""}, claims=member("a@kent.example", "Kent Police"))
    assert status == 403 and "coordinators" in body["message"]
    assert create(api, {"title": ""}, claims=None)[0] == 401
    assert table.query("VISITS", index="gsi1") == []


def test_a_visit_is_never_stored_without_the_timer_that_closes_it(api, monkeypatch):
    from botocore.exceptions import ClientError

    real_put, real_transact = table.put, table.transact

    def down(operation):
        return ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, operation)

    def put_but_not_timers(item, **kwargs):
        if item["pk"].startswith("TIMER"):
            raise down("PutItem")
        return real_put(item, **kwargs)

    def transact_but_not_timers(operations):
        operations = list(operations)
        if any(o.get("Put", {}).get("Item", {}).get("pk", "").startswith("TIMER") for o in operations):
            raise down("TransactWriteItems")
        return real_transact(operations)

    monkeypatch.setattr(table, "put", put_but_not_timers)
    monkeypatch.setattr(table, "transact", transact_but_not_timers)
    status, _ = create(api)

    assert status >= 500
    stored = table.query("VISITS", index="gsi1")
    closing = [t for p in timer_items.all_partitions() for t in table.query(p) if t["kind"] == "applications_close"]
    assert (len(stored), len(closing)) in ((0, 0), (1, 1)), (stored, closing)


@pytest.mark.parametrize("changes, field", [
    ({"starts_at": "2020-01-19T10:00:00Z", "applications_close_at": "2020-01-05T17:00:00Z",
      "prep_call_at": "2020-01-12T10:00:00Z"}, "starts_at"),                       # in the past
    ({"prep_call_at": "2027-01-20T10:00:00Z"}, "prep_call_at"),                   # after the visit
    ({"prep_call_at": "2027-01-04T10:00:00Z"}, "prep_call_at"),                   # before applications close
    ({"applications_close_at": "2027-01-19T11:00:00Z"}, "applications_close_at"),  # after the start
    ({"starts_at": "9999-01-19T10:00:00Z"}, "starts_at"),                         # beyond 2100
    ({"ends_at": "2027-01-19T09:00:00Z"}, "ends_at"),                              # before the start
])
def test_dates_that_make_no_sense_are_refused_naming_the_field_on_create_and_patch(api, changes, field):
    status, body = create(api, {**VISIT, **changes})
    assert status == 422 and field in body["fields"], body
    assert table.query("VISITS", index="gsi1") == []
    _, visit = create(api)
    status, body = patch(api, visit["visit_id"], changes)
    assert status == 422 and field in body["fields"], body
    assert call(api, "GET", f"/visits/{visit['visit_id']}", "/visits/{visit_id}",
                path_parameters={"visit_id": visit["visit_id"]})[1]["starts_at"] == VISIT["starts_at"]
