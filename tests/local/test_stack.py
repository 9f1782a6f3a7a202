"""The local stack's machinery over HTTP: controls, API Gateway, authorizer, events, clock."""
from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from shared import clock
from tests.local.conftest import STUB_START


def parse(text: str) -> datetime:
    return clock.parse(text)


# -- local controls -------------------------------------------------------------------------
def test_health(stub_stack):
    reply = stub_stack.call("GET", "/health")
    assert reply.status == 200 and reply.body["status"] == "ok"


def test_token_needs_an_email(stub_stack):
    for body in ({}, {"email": ""}, {"email": 3}, {"name": "No Email"}):
        reply = stub_stack.call("POST", "/_local/token", body)
        assert reply.status == 422, body
        assert "email" in reply.body["message"] and "email" in reply.body["fields"]
    reply = stub_stack.call("POST", "/_local/token", {"email": "a@b.example", "groups": "coordinators"})
    assert reply.status == 422 and "groups" in reply.body["fields"]
    reply = stub_stack.call("POST", "/_local/token", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status == 422 and reply.body["message"]


def test_token_claims_reach_the_handler_as_strings(stub_stack):
    token = stub_stack.token("Lead@Kent.example", name="Kent Lead", organisation="Kent Police",
                             groups=["coordinators", "leads"])
    reply = stub_stack.call("GET", "/whoami", token=token)
    assert reply.status == 200, reply.raw
    claims = reply.body["claims"]
    assert claims["email"] == "Lead@Kent.example" and claims["name"] == "Kent Lead"
    assert claims["custom:organisation"] == "Kent Police"
    assert claims["cognito:groups"] == "coordinators,leads"
    assert all(isinstance(v, str) for v in claims.values())
    # a bare token (no "Bearer ") passes the Cognito authorizer too
    assert stub_stack.call("GET", "/whoami", headers={"Authorization": token}).status == 200


def test_member_route_without_or_with_a_bad_token_is_401(stub_stack):
    reply = stub_stack.call("GET", "/whoami")
    assert reply.status == 401 and reply.body == {"message": "Unauthorized"}
    claims = {"email": "x@y.example", "iss": "local-stack", "aud": "local-stack-client",
              "iat": int(time.time()), "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, "not-the-secret-of-this-local-stack-at-all", algorithm="HS256")
    assert stub_stack.call("GET", "/whoami", token=forged).status == 401
    token = stub_stack.token("a@b.example")
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert stub_stack.call("GET", "/whoami", token=tampered).status == 401
    assert stub_stack.call("GET", "/whoami", token="not-a-jwt").status == 401
    assert stub_stack.call("POST", "/things", {"thing_id": "t0"}).status == 401  # coordinator route


def test_unknown_path_is_404_and_wrong_method_is_405(stub_stack):
    reply = stub_stack.call("GET", "/nothing/here")
    assert reply.status == 404 and reply.body["message"]
    reply = stub_stack.call("PUT", "/things/abc")
    assert reply.status == 405 and reply.body["message"]
    assert reply.headers["Allow"] == "DELETE, GET"
    reply = stub_stack.call("DELETE", "/_local/clock")
    assert reply.status == 405 and reply.headers["Allow"] == "GET, POST"
    assert stub_stack.call("GET", "/_local/nothing").status == 404


def test_literal_segments_win_over_parameters(stub_stack):
    assert stub_stack.call("GET", "/things/special").body == {"special": True}


def test_outbox_starts_empty(stub_stack):
    for path in ("/_local/outbox", "/_local/outbox?to=nobody%40example.org"):
        reply = stub_stack.call("GET", path)
        assert reply.status == 200 and reply.body == {"messages": []}


# -- API Gateway proxy events and answers ----------------------------------------------------
def test_the_proxy_event_is_what_api_gateway_sends(stub_stack):
    reply = stub_stack.call("POST", "/echo/a%20b?x=1&x=2&empty=", {"hello": "wörld"},
                            headers={"X-Trace": "t1", "Authorization": "Bearer whatever"})
    assert reply.status == 200, reply.raw
    event, context = reply.body["event"], reply.body["context"]
    assert event["resource"] == "/echo/{name}" and event["httpMethod"] == "POST"
    assert event["path"] == "/echo/a%20b"
    assert event["pathParameters"] == {"name": "a b"}
    assert event["queryStringParameters"] == {"x": "2", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "empty": [""]}
    assert event["headers"]["X-Trace"] == "t1" and event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert event["headers"]["Authorization"] == "Bearer whatever"  # passed through on public routes
    assert event["body"] == '{"hello": "w\\u00f6rld"}' and event["isBase64Encoded"] is False
    rc = event["requestContext"]
    assert rc["stage"] == "local" and rc["resourcePath"] == "/echo/{name}" and rc["httpMethod"] == "POST"
    assert rc["requestId"] and rc["identity"]["sourceIp"] == "127.0.0.1" and rc["authorizer"] is None
    assert context["function_name"] == "api" and context["memory_limit_in_mb"] == 1024
    assert context["invoked_function_arn"].endswith(":function:api") and context["aws_request_id"]
    assert 0 < context["remaining"] <= 30_000


def test_bodies_that_are_not_utf8_arrive_base64_encoded(stub_stack):
    raw = bytes([0xff, 0xfe, 0x00, 0x80])
    event = stub_stack.call("POST", "/echo/bin", raw=raw,
                            headers={"Content-Type": "application/octet-stream"}).body["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    event = stub_stack.call("GET", "/echo/none").body["event"]
    assert event["body"] is None and event["queryStringParameters"] is None
    assert event["pathParameters"] == {"name": "none"}


def test_bodies_of_the_apis_binary_media_types_arrive_base64_encoded_even_when_they_are_text(stub_stack):
    # As API Gateway does with its binaryMediaTypes: a file upload form's body is passed byte for byte.
    raw = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n'
    event = stub_stack.call("POST", "/echo/form", raw=raw,
                            headers={"Content-Type": "multipart/form-data; boundary=b"}).body["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    event = stub_stack.call("POST", "/echo/text", raw=b"plain words",
                            headers={"Content-Type": "text/plain"}).body["event"]
    assert event["isBase64Encoded"] is False and event["body"] == "plain words"


def test_answers_keep_headers_and_binary_bodies(stub_stack):
    reply = stub_stack.call("GET", "/binary")
    assert reply.status == 200 and reply.raw == bytes(range(256))
    assert reply.headers.get_all("X-Multi") == ["a", "b"] and reply.headers["X-Single"] == "one"
    assert reply.headers["Content-Type"] == "application/octet-stream"


def test_a_failing_handler_is_a_502(stub_stack):
    for path in ("/boom", "/broken"):
        reply = stub_stack.call("GET", path)
        assert reply.status == 502 and reply.body == {"message": "Internal server error"}


# -- events: stream → publisher → bus → rules → queues → consumers ----------------------------
def test_an_items_event_reaches_the_consumers_its_rules_route_it_to(stub_stack):
    coordinator = stub_stack.token("c@centre.example", groups=["coordinators"])
    assert stub_stack.call("POST", "/things", {"thing_id": "red-1", "colour": "red"}, token=coordinator).status == 201
    assert stub_stack.call("POST", "/things", {"thing_id": "blue-1", "colour": "blue"}, token=coordinator).status == 201
    stub_stack.settle()
    consumed = {r["sk"]: r for r in stub_stack.records("consumer")}
    narrowed = {r["sk"] for r in stub_stack.records("narrow")}
    assert {"ThingCreated#red-1", "ThingCreated#blue-1"} <= set(consumed)
    assert "ThingCreated#red-1" in narrowed and "ThingCreated#blue-1" not in narrowed  # detail pattern
    record = consumed["ThingCreated#red-1"]
    assert record["source_arn"].endswith(":consumer-events") and record["receive_count"] == "1"
    assert stub_stack.settle() == 0


def test_concurrent_requests_are_all_served_and_their_events_all_processed(stub_stack):
    coordinator = stub_stack.token("c@centre.example", groups=["coordinators"])
    ids = [f"many-{i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda i: stub_stack.call("POST", "/things", {"thing_id": i, "colour": "red"},
                                                             token=coordinator).status, ids))
    assert statuses == [201] * len(ids)
    stub_stack.settle()
    consumed = {r["sk"] for r in stub_stack.records("consumer")}
    narrowed = {r["sk"] for r in stub_stack.records("narrow")}
    assert {f"ThingCreated#{i}" for i in ids} <= consumed & narrowed


def test_effects_appear_without_a_settle(stub_stack):
    coordinator = stub_stack.token("c@centre.example", groups=["coordinators"])
    stub_stack.call("POST", "/things", {"thing_id": "eventually"}, token=coordinator)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(r["sk"] == "ThingCreated#eventually" for r in stub_stack.records("consumer")):
            return
        time.sleep(0.05)
    pytest.fail("the background pump did not deliver the event")


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(stub_stack):
    coordinator = stub_stack.token("c@centre.example", groups=["coordinators"])
    stub_stack.call("POST", "/things", {"thing_id": "doomed", "fail": True}, token=coordinator)
    stub_stack.settle()
    failures = {r["sk"]: r for r in stub_stack.records("failures")}
    assert failures["doomed"]["attempts"] == 5  # maxReceiveCount
    assert stub_stack.call("GET", "/dead-letters/consumer").body == {"count": 1}
    assert stub_stack.settle() == 0


def test_a_stream_record_that_cannot_be_read_is_set_aside_and_the_others_go_on(stub_stack):
    coordinator = stub_stack.token("c@centre.example", groups=["coordinators"])
    # A map with an empty key: moto stores it, but its stream record cannot be read back.
    stub_stack.call("POST", "/things", {"thing_id": "unreadable", "attributes": {"odd": {"": "x"}}}, token=coordinator)
    stub_stack.call("POST", "/things", {"thing_id": "readable-after"}, token=coordinator)
    stub_stack.settle()

    consumed = {r["sk"] for r in stub_stack.records("consumer")}
    assert "ThingCreated#readable-after" in consumed
    assert stub_stack.call("GET", "/dead-letters/stream").body == {"count": 1}
    stub_stack.call("POST", "/things", {"thing_id": "much-later"}, token=coordinator)
    stub_stack.settle()
    assert "ThingCreated#much-later" in {r["sk"] for r in stub_stack.records("consumer")}


# -- the virtual clock and the schedules -----------------------------------------------------
def test_the_clock_starts_at_NOW_and_runs(stub_stack):
    now = parse(stub_stack.call("GET", "/_local/clock").body["now"])
    assert parse(STUB_START) <= now < parse(STUB_START) + timedelta(days=1)  # not the real time


def test_moving_the_clock_fires_each_occurrence_at_its_time(stub_stack):
    before = parse(stub_stack.call("GET", "/_local/clock").body["now"])
    to = before + timedelta(hours=3)
    reply = stub_stack.call("POST", "/_local/clock", {"now": clock.iso(to)})
    assert reply.status == 200, reply.raw
    assert reply.body == {"now": clock.iso(to), "fired": 3}
    assert parse(stub_stack.call("GET", "/_local/clock").body["now"]) >= to
    hours = [(before.replace(minute=0, second=0, microsecond=0) + timedelta(hours=h)) for h in (1, 2, 3)]
    firings = {r["sk"]: r for r in stub_stack.records("firings")}
    swept = {r["sk"]: r for r in stub_stack.records("consumer") if r["detail_type"] == "Swept"}
    for hour in hours:
        firing = firings[clock.iso(hour)]
        assert firing["now"] == clock.iso(hour)            # the handler saw the occurrence as now
        assert firing["detail_type"] == "Scheduled Event" and firing["source"] == "aws.events"
        assert firing["resources"][0].endswith(":rule/stub-sweep")
        assert swept[f"Swept#{clock.iso(hour)}"]["now"] == clock.iso(hour)  # what followed settled then


def test_the_clock_does_not_move_backwards(stub_stack):
    now = parse(stub_stack.call("GET", "/_local/clock").body["now"])
    reply = stub_stack.call("POST", "/_local/clock", {"now": clock.iso(now - timedelta(minutes=5))})
    assert reply.status == 409 and reply.body["message"]
    reply = stub_stack.call("POST", "/_local/clock", {"now": clock.iso(now)})  # "now" again: no move
    assert reply.status == 200 and reply.body["fired"] == 0


def test_the_clock_wants_an_iso_time(stub_stack):
    for body in ({}, {"now": "tomorrow"}, {"now": 12}):
        reply = stub_stack.call("POST", "/_local/clock", body)
        assert reply.status == 422 and "now" in reply.body["message"], body


def test_settle_reports_what_it_processed(stub_stack):
    reply = stub_stack.call("POST", "/_local/settle")
    assert reply.status == 200 and isinstance(reply.body["processed"], int)


# -- the programme's own topology (nothing here needs its handlers) ---------------------------
def test_real_topology_front_door(real_stack):
    assert real_stack.call("GET", "/health").status == 200
    reply = real_stack.call("POST", "/visits/v1/applications", {"name": "x"})
    assert reply.status == 401 and reply.body == {"message": "Unauthorized"}
    assert real_stack.call("GET", "/me/applications", token="bad").status == 401
    assert real_stack.call("GET", "/nope").status == 404
    reply = real_stack.call("DELETE", "/visits")
    assert reply.status == 405 and reply.headers["Allow"] == "GET, POST"
    assert isinstance(real_stack.call("GET", "/_local/outbox").body["messages"], list)
    now = datetime.now(timezone.utc)
    clock_now = parse(real_stack.call("GET", "/_local/clock").body["now"])
    # No NOW: it started at the real time (other tests of the session may have moved it on since).
    assert clock_now > now - timedelta(minutes=1)
    reply = real_stack.call("POST", "/_local/clock", {"now": clock.iso(clock_now + timedelta(hours=3))})
    assert reply.body["fired"] == 3
