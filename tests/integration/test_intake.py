"""Intake over moto: members apply exactly once, read, list and withdraw; the receipt is sent once.

The API is called with API Gateway events; the receipt reaction is fed the application's own
event as the SQS message an EventBridge rule would deliver.
"""
from __future__ import annotations

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from moto import mock_aws

from shared import clock
from shared.adapters import table
from shared.adapters.mailer import RecordingMailer
from shared.auth import Caller
from shared.errors import ProgrammeError
from shared.models.application import ApplicationIn
from shared.models.visit import VisitFields
from shared.services import intake, outbound, visits
from shared.store import dynamodb
from shared.table_schema import dynamodb_create_table_kwargs, idempotency_create_table_kwargs
from tests.conftest import TEST_ENV
from tests.helpers import COORDINATOR, Context, api_event, call, envelope, member, sqs_event

NOW = datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc)
CLOSES = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)

LEAD = member("lead@kent.example", "Kent Police")          # the member who applies for colleagues
APPLICANT = member("Sam.Smith@Kent.example", "Kent Police")  # the colleague applied for
OTHER = member("someone@essex.example", "Essex Police")

BODY = {
    "name": "Sam Smith", "email": "Sam.Smith@Kent.example", "role": "police", "job_title": "Inspector",
    "motivation": "We are redesigning our wellbeing offer.",
    "questions": ["How do you measure resilience?", 'Who runs the "TRiM" sessions, and how often?'],
    "prep_call": "join",
}


class FixedClock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def moto_world():
    """One emulated account for the module (each test works on visits of its own): fast setup."""
    from shared.http import idempotency
    from shared.adapters import bus

    with mock_aws():
        for cached in (table._table, bus._client, idempotency._runner):
            cached.cache_clear()
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(**dynamodb_create_table_kwargs(TEST_ENV["TABLE_NAME"]))
        dynamodb.create_table(**idempotency_create_table_kwargs(TEST_ENV["IDEMPOTENCY_TABLE_NAME"]))
        yield
        for cached in (table._table, bus._client, idempotency._runner):
            cached.cache_clear()


@pytest.fixture
def world(moto_world):
    from functions.intake.handler import handler

    fixed = FixedClock(NOW)
    clock.use(fixed)
    mailer = RecordingMailer()
    outbound.use_mailer(mailer)
    try:
        yield World(handler, fixed, mailer)
    finally:
        clock.use(clock.SystemClock())
        outbound.use_mailer(None)


class World:
    def __init__(self, handler, fixed: FixedClock, mailer: RecordingMailer):
        self.api, self.clock, self.mailer = handler, fixed, mailer

    def visit(self, **changes) -> str:
        fields = {"title": "Staff wellbeing", "theme": "How to manage staff wellbeing",
                  "host": {"organisation": "Lancashire Constabulary", "contact_name": "Pat Host",
                           "contact_email": "pat@lancs.example"},
                  "venue": "Hutton HQ", "starts_at": STARTS, "capacity": 6, "applications_close_at": CLOSES,
                  **changes}
        return visits.create(dynamodb(), VisitFields.model_validate(fields)).visit_id

    def apply(self, visit_id: str, body=BODY, claims=LEAD, **kwargs):
        return call(self.api, "POST", f"/visits/{visit_id}/applications", "/visits/{visit_id}/applications", body,
                    claims=claims, path_parameters={"visit_id": visit_id}, **kwargs)

    def read(self, application_id: str, claims):
        return call(self.api, "GET", f"/applications/{application_id}", "/applications/{application_id}",
                    claims=claims, path_parameters={"application_id": application_id})

    def withdraw(self, application_id: str, claims, **kwargs):
        return call(self.api, "POST", f"/applications/{application_id}/withdraw",
                    "/applications/{application_id}/withdraw", claims=claims,
                    path_parameters={"application_id": application_id}, **kwargs)

    def listing(self, visit_id: str, claims=COORDINATOR, **kwargs):
        return call(self.api, "GET", f"/visits/{visit_id}/applications", "/visits/{visit_id}/applications",
                    claims=claims, path_parameters={"visit_id": visit_id}, **kwargs)

    def mine(self, claims):
        return call(self.api, "GET", "/me/applications", "/me/applications", claims=claims)

    def deliver(self, application_id: str) -> dict:
        """The application's own event, as the intake rule's queue hands it to the function."""
        event = table.get(f"APP#{application_id}", "APP")["event"]
        message = envelope(event["detail_type"], {**event["detail"], "event_id": event["id"]})
        return self.api(sqs_event(message), Context())


def stored_applications(visit_id: str) -> list[dict]:
    return table.query(f"VISIT#{visit_id}#APPS", index="gsi1")


# --- applying --------------------------------------------------------------------------------

def test_member_applies_for_a_colleague_and_everything_is_one_write(world):
    visit_id = world.visit()
    status, answer = world.apply(visit_id)
    assert status == 201
    assert answer["status"] == "submitted" and answer["application_id"] and answer["visit_id"] == visit_id
    assert answer["organisation"] == "Kent Police" and answer["submitted_at"] == "2027-01-01T09:00:00Z"
    assert {k: answer[k] for k in BODY} == BODY
    item = table.get(f"APP#{answer['application_id']}", "APP")
    assert item["event"]["detail_type"] == "ApplicationSubmitted"
    assert item["event"]["detail"]["application_id"] == answer["application_id"]
    guard = table.get(f"VISIT#{visit_id}", "EMAIL#sam.smith@kent.example")
    assert guard["application_id"] == answer["application_id"]
    # personal data goes two years after the visit
    assert item["expires_at"] == guard["expires_at"] == int((STARTS + timedelta(hours=6, weeks=6, days=365)).timestamp())


def test_no_claims_and_no_token_is_unauthorised(world):
    visit_id = world.visit()
    status, body = world.apply(visit_id, claims=None)
    assert status == 401 and body["message"]
    assert world.mine(None)[0] == 401
    assert stored_applications(visit_id) == []


def test_a_member_without_an_organisation_is_forbidden(world):
    visit_id = world.visit()
    status, body = world.apply(visit_id, claims={"email": "lone@nowhere.example", "name": "Lone"})
    assert status == 403 and "organisation" in body["message"]
    assert stored_applications(visit_id) == []


def test_unknown_visit_is_not_found(world):
    status, body = world.apply("no-such-visit")
    assert status == 404 and body["message"]


def test_same_email_applies_once_whatever_its_case(world):
    visit_id = world.visit()
    assert world.apply(visit_id)[0] == 201
    status, body = world.apply(visit_id, {**BODY, "email": "SAM.SMITH@kent.EXAMPLE"},
                               claims=member("other.lead@kent.example", "Kent Police"))
    assert status == 409 and "already applied" in body["message"]
    assert len(stored_applications(visit_id)) == 1
    # another visit is another matter
    assert world.apply(world.visit())[0] == 201


def test_closed_when_the_closing_time_has_come(world):
    visit_id = world.visit()
    world.clock.moment = CLOSES
    status, body = world.apply(visit_id)
    assert status == 409 and "closed" in body["message"]
    assert stored_applications(visit_id) == [] and table.get(f"VISIT#{visit_id}", "EMAIL#sam.smith@kent.example") is None


def test_closed_once_the_visit_is_no_longer_open(world):
    visit_id = world.visit()
    visits.set_status(dynamodb(), visits.find(dynamodb(), visit_id), "allocated")
    status, body = world.apply(visit_id)
    assert status == 409 and "closed" in body["message"]
    assert stored_applications(visit_id) == []


def test_moving_the_closing_time_later_reopens_a_visit_with_no_place_offered(world):
    visit_id = world.visit()
    world.clock.moment = CLOSES + timedelta(hours=1)
    visits.set_status(dynamodb(), visits.find(dynamodb(), visit_id),
                      "allocated")  # closed, and allocation found no one to offer
    assert world.apply(visit_id)[0] == 409

    reopened = visits.patch(dynamodb(), visit_id, {"applications_close_at": "2027-01-12T17:00:00Z"})

    assert reopened.status == "open"
    status, body = world.apply(visit_id)
    assert status == 201, body


def test_a_visit_with_a_place_offered_stays_closed_when_its_closing_time_moves(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    world.clock.moment = CLOSES + timedelta(hours=1)
    application = table.get(f"APP#{answer['application_id']}", "APP")
    table.put({**application, "status": "offered", "offer_expires_at": "2027-01-12T17:00:00Z"})
    visits.set_status(dynamodb(), visits.find(dynamodb(), visit_id), "allocated")

    assert visits.patch(dynamodb(), visit_id, {"applications_close_at": "2027-01-12T17:00:00Z"}).status == "allocated"
    assert world.apply(visit_id, {**BODY, "email": "kim@kent.example"})[0] == 409


def test_a_cancelled_visit_takes_no_applications(world):
    visit_id = world.visit()
    visits.cancel(dynamodb(), visit_id)
    status, body = world.apply(visit_id)
    assert status == 409 and "cancelled" in body["message"]
    assert stored_applications(visit_id) == []


INVALID = [
    ({"questions": [f"Question {i}?" for i in range(6)]}, "questions"),
    ({"questions": []}, "questions"),
    ({"questions": ["x" * 501]}, "questions[0]"),
    ({"motivation": "m" * 2001}, "motivation"),
    ({"role": "sergeant"}, "role"),
    ({"organisation": "Essex Police"}, "organisation"),
    ({"email": "not-an-email"}, "email"),
    ({"prep_call": "maybe"}, "prep_call"),
    ({"name": "   "}, "name"),
]


def test_an_invalid_body_names_the_field_and_stores_nothing(world):
    visit_id = world.visit()
    for change, field in INVALID:
        status, body = world.apply(visit_id, {**BODY, **change})
        assert status == 422 and body["message"], change
        assert field in body["fields"], (change, body)
    assert stored_applications(visit_id) == []


BAD_RAW = [
    (json.dumps(BODY)[:-1] + ', "accessibility_needs": NaN}', "accessibility_needs"),
    (json.dumps(BODY)[:-1] + ', "accessibility_needs": 1e400}', "accessibility_needs"),
    (json.dumps(BODY)[:-1] + ', "accessibility_needs": 1234567890123456789012345678901234567890}', "accessibility_needs"),
    (json.dumps(BODY)[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}", "body"),
    (json.dumps({**BODY, "name": "Sam\u001b[2JSmith"}), "name"),
]


def test_bad_numbers_deep_nesting_and_control_characters_answer_422_and_store_nothing(world):
    visit_id = world.visit()
    for text, field in BAD_RAW:
        status, body = world.apply(visit_id, raw_body=text)
        assert status == 422 and field in body["fields"], (text[:80], status, body)
    status, body = world.apply(visit_id, {**BODY, "name": "Sam\nBcc: everyone@example.org"})
    assert (status, list(body["fields"])) == (422, ["name"])
    assert stored_applications(visit_id) == []


def test_every_offending_field_is_named(world):
    visit_id = world.visit()
    body = {k: v for k, v in BODY.items() if k != "name"} | {"role": "boss", "motivation": "m" * 2001}
    status, answer = world.apply(visit_id, body)
    assert status == 422 and {"name", "role", "motivation"} <= set(answer["fields"])


def test_a_body_that_is_not_json_is_a_bad_request(world):
    visit_id = world.visit()
    status, body = world.apply(visit_id, raw_body='{"name": "Sam",')
    assert status == 400 and body["message"]
    assert stored_applications(visit_id) == []


def test_a_huge_body_is_too_large(world):
    visit_id = world.visit()
    status, body = world.apply(visit_id, {**BODY, "motivation": "m" * 70_000})
    assert status == 413 and body["message"]
    assert stored_applications(visit_id) == []


# --- idempotency ---------------------------------------------------------------------------------

def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(world):
    visit_id = world.visit()
    first = world.apply(visit_id, headers={"Idempotency-Key": "apply-1"})
    again = world.apply(visit_id, headers={"Idempotency-Key": "apply-1"})
    assert first[0] == again[0] == 201 and first[1] == again[1]
    assert len(stored_applications(visit_id)) == 1
    # without the key the same body is a duplicate
    assert world.apply(visit_id)[0] == 409


def test_the_same_key_with_another_body_is_invalid(world):
    visit_id = world.visit()
    assert world.apply(visit_id, headers={"Idempotency-Key": "apply-1"})[0] == 201
    status, body = world.apply(visit_id, {**BODY, "email": "jo@kent.example"}, headers={"Idempotency-Key": "apply-1"})
    assert status == 422 and "Idempotency-Key" in body["fields"]
    assert len(stored_applications(visit_id)) == 1


def test_a_key_is_scoped_to_the_caller(world):
    visit_id = world.visit()
    assert world.apply(visit_id, headers={"Idempotency-Key": "k"})[0] == 201
    status, answer = world.apply(visit_id, {**BODY, "email": "jo@kent.example"},
                                 claims=member("other.lead@kent.example", "Kent Police"),
                                 headers={"Idempotency-Key": "k"})
    assert status == 201 and answer["email"] == "jo@kent.example"
    assert len(stored_applications(visit_id)) == 2


def test_a_failed_request_can_be_retried_with_its_key(world):
    visit_id = world.visit()
    world.clock.moment = CLOSES + timedelta(days=1)
    assert world.apply(visit_id, headers={"Idempotency-Key": "k"})[0] == 409
    world.clock.moment = NOW
    assert world.apply(visit_id, headers={"Idempotency-Key": "k"})[0] == 201


# --- concurrency -----------------------------------------------------------------------------------

def test_sixteen_simultaneous_applications_of_one_email_store_exactly_one(world, monkeypatch):
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def serialised(self, *args, **kwargs):  # moto itself is not thread-safe
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialised)
    visit_id = world.visit()
    body = ApplicationIn.model_validate(BODY)
    start = threading.Barrier(16)

    def submit(i: int) -> int:
        caller = Caller(email=f"lead{i}@kent.example", name=f"Lead {i}", organisation="Kent Police",
                        groups=frozenset())
        start.wait()
        try:
            intake.submit(dynamodb(), visit_id,
                          body.model_copy(update={"email": BODY["email"].upper() if i % 2 else BODY["email"]}), caller)
            return 201
        except ProgrammeError as error:
            return error.status
        except Exception:  # noqa: BLE001 - what the API would answer as a 500
            return 500

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(submit, range(16)))
    assert sorted(statuses) == [201] + [409] * 15
    assert len(stored_applications(visit_id)) == 1


# --- the receipt -------------------------------------------------------------------------------------

def test_receipt_goes_once_to_the_applicant_and_the_member_even_when_delivered_twice(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    assert world.deliver(answer["application_id"]) == {"batchItemFailures": []}
    assert world.deliver(answer["application_id"]) == {"batchItemFailures": []}
    assert [e.to for e in world.mailer.sent] == [("Sam.Smith@Kent.example",), ("lead@kent.example",)]
    to_applicant, to_member = world.mailer.sent
    for email in (to_applicant, to_member):
        assert "Staff wellbeing" in email.subject
        assert email.text and "<html" in email.html.lower() and email.attachments == ()
        assert "/links/" in email.text
    assert "Hello Sam Smith" in to_applicant.text
    assert "on behalf of Sam Smith" in to_member.text
    sent = outbound.sent_records(dynamodb(), visit_id)
    assert {(r.kind, r.occasion) for r in sent} == {("receipt", answer["application_id"])} and len(sent) == 2


def test_receipt_to_a_member_applying_for_themself_goes_once(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id, claims=APPLICANT)
    world.deliver(answer["application_id"])
    assert [e.to for e in world.mailer.sent] == [("Sam.Smith@Kent.example",)]


def test_the_receipts_withdraw_link_withdraws(world):
    from functions.visits.handler import handler as visits_api

    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    world.deliver(answer["application_id"])
    url = next(line for line in world.mailer.sent[0].text.splitlines() if "/links/" in line).split()[-1]
    token = url.rsplit("/", 1)[-1]
    status, described = call(visits_api, "GET", f"/links/{token}", "/links/{token}", path_parameters={"token": token})
    assert status == 200 and described["action"] == "withdraw"
    assert described["expires_at"] == clock.iso(STARTS + timedelta(hours=6))  # the one rule: until the visit ends
    status, withdrawn = call(visits_api, "POST", f"/links/{token}", "/links/{token}", {},
                             path_parameters={"token": token})
    assert status == 200 and withdrawn["status"] == "withdrawn"


def test_no_receipt_for_a_cancelled_visit_or_a_withdrawn_application(world):
    visit_id = world.visit()
    _, first = world.apply(visit_id)
    _, second = world.apply(visit_id, {**BODY, "email": "jo@kent.example"})
    world.withdraw(second["application_id"], LEAD)
    item = table.get(f"APP#{second['application_id']}", "APP")
    world.api(sqs_event(envelope("ApplicationSubmitted", {**item["event"]["detail"], "visit_id": visit_id,
                                                          "application_id": second["application_id"]})), Context())
    visits.cancel(dynamodb(), visit_id)
    world.deliver(first["application_id"])
    assert world.mailer.sent == []


# --- reading -----------------------------------------------------------------------------------------

def test_who_may_read_an_application(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    aid = answer["application_id"]
    for claims in (LEAD, APPLICANT, COORDINATOR):
        status, read = world.read(aid, claims)
        assert status == 200 and read["status"] == "submitted" and read["application_id"] == aid
    status, body = world.read(aid, OTHER)
    assert status == 403 and body["message"]
    assert world.read(aid, member("colleague@kent.example", "Kent Police"))[0] == 403
    assert world.read("nope", COORDINATOR)[0] == 404
    assert world.read(aid, None)[0] == 401


def test_my_applications_for_the_member_and_the_applicant(world):
    visit_id = world.visit()
    lead = member("me.lead@surrey.example", "Surrey Police")
    _, mine = world.apply(visit_id, {**BODY, "email": "Me.Applicant@surrey.example"}, claims=lead)
    world.clock.moment = NOW + timedelta(minutes=1)
    _, own = world.apply(visit_id, {**BODY, "email": "me.lead@surrey.example", "name": "Lee Lead"}, claims=lead)
    status, for_member = world.mine(lead)
    assert status == 200
    assert [a["application_id"] for a in for_member["applications"]] == [mine["application_id"], own["application_id"]]
    status, for_applicant = world.mine(member("me.applicant@SURREY.example", "Surrey Police"))
    assert [a["application_id"] for a in for_applicant["applications"]] == [mine["application_id"]]
    assert world.mine(member("nobody@surrey.example", "Surrey Police")) == (200, {"applications": []})


def test_coordinators_list_a_visits_applications(world):
    visit_id = world.visit()
    _, first = world.apply(visit_id)
    world.clock.moment = NOW + timedelta(minutes=1)
    _, second = world.apply(visit_id, {**BODY, "email": "jo@kent.example", "name": "Jo, \"JJ\" Jones"})
    status, body = world.listing(visit_id)
    assert status == 200
    assert [a["application_id"] for a in body["applications"]] == [first["application_id"], second["application_id"]]
    assert world.listing(visit_id, claims=LEAD)[0] == 403
    assert world.listing("nope")[0] == 404


def test_coordinators_get_csv_when_they_ask_for_it(world):
    visit_id = world.visit()
    _, first = world.apply(visit_id)
    world.clock.moment = NOW + timedelta(minutes=1)
    _, second = world.apply(visit_id, {**BODY, "email": "jo@kent.example", "name": "Jo, \"JJ\" Jones",
                                       "motivation": "Line one\nline two", "questions": ["=1+1", "Why?"]})
    answer = world.api(api_event("GET", f"/visits/{visit_id}/applications", "/visits/{visit_id}/applications",
                                 claims=COORDINATOR, path_parameters={"visit_id": visit_id},
                                 headers={"Accept": "text/csv"}), Context())
    assert answer["statusCode"] == 200
    headers = {**{k: v[0] for k, v in (answer.get("multiValueHeaders") or {}).items()}, **(answer.get("headers") or {})}
    content_type = next(v for k, v in headers.items() if k.lower() == "content-type")
    assert content_type.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer["body"])))
    assert [r["application_id"] for r in rows] == [first["application_id"], second["application_id"]]
    assert rows[0]["questions"] == " | ".join(BODY["questions"])
    assert rows[1]["name"] == 'Jo, "JJ" Jones' and rows[1]["motivation"] == "Line one\nline two"
    assert rows[1]["questions"] == "'=1+1 | Why?"  # a formula stays text in a spreadsheet
    assert rows[0]["organisation"] == "Kent Police" and rows[0]["status"] == "submitted"


# --- withdrawing -------------------------------------------------------------------------------------

def test_the_applicant_withdraws_once_and_again_changes_nothing(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    aid = answer["application_id"]
    status, withdrawn = world.withdraw(aid, APPLICANT)
    assert status == 200 and withdrawn["status"] == "withdrawn"
    event = table.get(f"APP#{aid}", "APP")["event"]
    assert event["detail_type"] == "ApplicationWithdrawn" and event["detail"]["previous_status"] == "submitted"
    status, again = world.withdraw(aid, LEAD)
    assert status == 200 and again["status"] == "withdrawn"
    assert table.get(f"APP#{aid}", "APP")["event"]["id"] == event["id"]
    assert world.read(aid, COORDINATOR)[1]["status"] == "withdrawn"


def test_an_application_made_in_error_by_another_organisation_is_undone_and_the_person_applies(world):
    visit_id = world.visit()
    status, wrong = world.apply(visit_id, claims=OTHER)  # Essex applies in the name of Kent's Sam Smith
    assert status == 201
    assert world.apply(visit_id)[0] == 409  # Kent cannot, while it stands

    assert world.withdraw(wrong["application_id"], COORDINATOR)[0] == 200
    status, right = world.apply(visit_id)

    assert status == 201 and right["organisation"] == "Kent Police"
    assert world.withdraw(wrong["application_id"], COORDINATOR)[0] == 200  # again: nothing more
    assert world.apply(visit_id, claims=OTHER)[0] == 409  # the guard is Kent's now, and stays
    assert sorted(a["status"] for a in stored_applications(visit_id)) == ["submitted", "withdrawn"]


def test_a_place_held_or_waited_for_can_be_withdrawn_by_a_coordinator(world):
    visit_id = world.visit()
    for held in ("waitlisted", "offered", "confirmed"):
        _, answer = world.apply(visit_id, {**BODY, "email": f"{held}@kent.example"})
        table.update(f"APP#{answer['application_id']}", "APP", {"status": held})
        status, withdrawn = world.withdraw(answer["application_id"], COORDINATOR)
        assert status == 200 and withdrawn["status"] == "withdrawn"
        assert table.get(f"APP#{answer['application_id']}", "APP")["event"]["detail"]["previous_status"] == held


def test_an_expired_offer_cannot_be_withdrawn(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    table.update(f"APP#{answer['application_id']}", "APP", {"status": "expired"})
    status, body = world.withdraw(answer["application_id"], APPLICANT)
    assert status == 409 and body["message"]


def test_others_may_not_withdraw(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    assert world.withdraw(answer["application_id"], OTHER)[0] == 403
    assert world.withdraw("nope", COORDINATOR)[0] == 404
    assert world.read(answer["application_id"], COORDINATOR)[1]["status"] == "submitted"


def test_a_withdrawal_retried_with_its_key_answers_the_same(world):
    visit_id = world.visit()
    _, answer = world.apply(visit_id)
    first = world.withdraw(answer["application_id"], APPLICANT, headers={"Idempotency-Key": "w"})
    again = world.withdraw(answer["application_id"], APPLICANT, headers={"Idempotency-Key": "w"})
    assert first == again and first[0] == 200


# --- the OpenAPI document --------------------------------------------------------------------------

def test_the_routes_are_in_the_openapi_document(world):
    from functions.visits.handler import handler as visits_api

    status, document = call(visits_api, "GET", "/openapi.json", "/openapi.json")
    assert status == 200
    paths = document["paths"]
    assert {"post", "get"} <= set(paths["/visits/{visit_id}/applications"])
    assert "get" in paths["/applications/{application_id}"] and "post" in paths["/applications/{application_id}/withdraw"]
    assert "get" in paths["/me/applications"]
    schema = json.dumps(paths["/visits/{visit_id}/applications"]["post"]["requestBody"])
    assert "ApplicationIn" in schema


def test_a_visit_closed_while_an_application_is_in_flight_takes_nothing(world, monkeypatch):
    visit_id = world.visit()
    seen_open = visits.find(dynamodb(), visit_id)
    visits.set_status(dynamodb(), seen_open, "closed")  # allocation closed it after the request read the visit
    reads = iter([seen_open])
    monkeypatch.setattr(intake.visits, "find", lambda stores, vid: next(reads, None) or visits.Visit.model_validate(
        table.get(f"VISIT#{vid}", "VISIT")))
    status, body = world.apply(visit_id)
    assert status == 409 and "closed" in body["message"]
    assert stored_applications(visit_id) == [] and table.get(f"VISIT#{visit_id}", "EMAIL#sam.smith@kent.example") is None
