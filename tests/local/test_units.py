"""Pure parts of the local stack: occurrences, the scheduler's order, routing, claims, answers."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from local.apigateway import RouteTable, bearer_token, http_answer, stringify_claims
from local.scheduler import MovedBackwards, Scheduler, occurrences
from local.sources import StreamSource
from shared.topology import EVENT_SOURCE, ROUTES, RULES, STREAM_DELIVERY, Route, Schedule, StreamDelivery

T0 = datetime(2030, 1, 1, 0, 30, tzinfo=timezone.utc)


def test_occurrences_are_aligned_to_the_epoch_and_ordered_across_schedules():
    hourly, quarter = Schedule("h", "f", timedelta(hours=1)), Schedule("q", "g", timedelta(minutes=15))
    found = occurrences((hourly, quarter), T0, T0 + timedelta(hours=1))
    assert [(o.at.strftime("%H:%M"), o.schedule.name) for o in found] == [
        ("00:45", "q"), ("01:00", "h"), ("01:00", "q"), ("01:15", "q"), ("01:30", "q")]
    exact = datetime(2030, 1, 1, 1, tzinfo=timezone.utc)
    assert [o.at for o in occurrences((hourly,), exact, exact + timedelta(hours=2))] == [
        exact + timedelta(hours=1), exact + timedelta(hours=2)]  # (after, through]


class FakeClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, moment: datetime) -> None:
        self.at = moment


def test_the_scheduler_fires_in_order_and_settles_after_each():
    fake = FakeClock(T0)
    log: list[tuple] = []
    scheduler = Scheduler((Schedule("s", "sweep", timedelta(hours=1)),), fake,
                          lambda function, event: log.append(("fire", function, event["time"], fake.now())),
                          lambda: log.append(("settle", fake.now())) or 0, {"s": "arn:aws:events:::rule/s"})
    assert scheduler.advance(T0 + timedelta(hours=2)) == 2
    one, two = T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)
    assert log == [("settle", T0),  # what was pending happens before time moves on
                   ("fire", "sweep", "2030-01-01T01:00:00Z", one), ("settle", one),
                   ("fire", "sweep", "2030-01-01T02:00:00Z", two), ("settle", two),
                   ("settle", T0 + timedelta(hours=2))]
    assert fake.now() == T0 + timedelta(hours=2)
    with pytest.raises(MovedBackwards):
        scheduler.advance(T0)
    assert scheduler.advance(fake.now() - timedelta(milliseconds=300)) == 0  # within the tolerance
    fake.at += timedelta(hours=1)  # real time passes
    assert scheduler.catch_up() == 1


def test_a_failing_scheduled_invocation_is_retried_then_left():
    calls = []

    def invoke(function, event):
        calls.append(event["time"])
        raise RuntimeError("down")

    scheduler = Scheduler((Schedule("s", "sweep", timedelta(hours=1)),), FakeClock(T0), invoke, lambda: 0,
                          {"s": "arn"})
    assert scheduler.advance(T0 + timedelta(hours=1)) == 1
    assert calls == ["2030-01-01T01:00:00Z"] * 3


def test_routes_resolve_like_api_gateway():
    table = RouteTable(ROUTES)
    matches, template = table.resolve("/visits/v-1/applications")
    assert template == "/visits/{visit_id}/applications"
    assert {m.route.method for m in matches} == {"GET", "POST"}
    assert matches[0].path_parameters == {"visit_id": "v-1"}
    assert table.resolve("/visits/")[1] == "/visits"
    assert table.resolve("/visits/a/b/c")[0] == []
    literal = RouteTable((Route("GET", "/a/{x}", "f", "public"), Route("GET", "/a/b", "f", "public")))
    assert literal.resolve("/a/b")[1] == "/a/b" and literal.resolve("/a/c")[1] == "/a/{x}"


def test_claims_are_strings_and_tokens_are_found():
    assert stringify_claims({"cognito:groups": ["coordinators", "x"], "exp": 5, "email_verified": True}) == {
        "cognito:groups": "coordinators,x", "exp": "5", "email_verified": "true"}
    assert bearer_token({"authorization": ["Bearer abc"]}) == "abc"
    assert bearer_token({"Authorization": ["abc"]}) == "abc"
    assert bearer_token({"Authorization": ["Bearer "]}) is None and bearer_token({}) is None


def test_lambda_answers_become_http_responses():
    answer = http_answer({"statusCode": 201, "headers": {"A": "1", "content-length": "9"},
                          "multiValueHeaders": {"B": ["x", "y"], "A": ["0"]}, "body": "{}"})
    assert answer.status == 201 and answer.body == b"{}"
    assert answer.headers == [("B", "x"), ("B", "y"), ("A", "0"), ("Content-Type", "application/json")]
    binary = http_answer({"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True})
    assert binary.body == b"\x00\xff"
    assert http_answer(None).status == 502 and http_answer({"statusCode": "x"}).status == 502


def test_rule_patterns_come_from_the_declaration():
    rule = next(r for r in RULES if r.detail)
    pattern = rule.pattern()
    assert pattern["source"] == [EVENT_SOURCE] and pattern["detail-type"] == list(rule.detail_types)
    assert pattern["detail"] == rule.detail


class FakeStreamRuntime:
    """The publisher as Lambda sees it: fails the records in `poison` (partially, or by raising); keeps
    each batch it was given."""

    def __init__(self, poison: set[str], raising: bool = False) -> None:
        self.poison, self.raising, self.delivered, self.batches = poison, raising, [], []

    def invoke(self, function, event):
        numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(numbers)
        bad = [n for n in numbers if n in self.poison]
        if bad and self.raising:
            raise RuntimeError("the whole batch failed")
        good_before = numbers[:numbers.index(bad[0])] if bad else numbers
        self.delivered += [n for n in good_before if n not in self.delivered]
        return {"batchItemFailures": [{"itemIdentifier": n} for n in numbers[len(good_before):]]}


def stream_source(runtime, policy: StreamDelivery = STREAM_DELIVERY) -> StreamSource:
    source = object.__new__(StreamSource)  # no emulator: only the delivery logic is under test
    source.runtime, source.function, source.dropped, source.policy = runtime, "publisher", 0, policy
    source.set_aside = []
    source._set_aside = lambda numbers, reason, invocations: source.set_aside.append((numbers[0], numbers[-1]))
    return source


def records(first: int, last: int) -> list[dict]:
    return [{"dynamodb": {"SequenceNumber": str(n)}} for n in range(first, last + 1)]


@pytest.mark.parametrize("raising", [False, True])
def test_a_stream_record_that_keeps_failing_is_set_aside_and_never_stops_the_others(raising):
    runtime = FakeStreamRuntime({"3"}, raising=raising)
    source = stream_source(runtime)

    source._deliver(records(1, 6))

    assert source.set_aside == [("3", "3")]
    assert runtime.delivered == ["1", "2", "4", "5", "6"]


def test_a_failing_stream_batch_is_bisected_down_to_its_poison_record_which_alone_goes_to_the_dlq():
    # As the CDK app's mapping (BisectBatchOnFunctionError): a batch that fails as a whole is split in
    # two and each half retried; each split spends one of the records' retries.
    policy = StreamDelivery(batch_size=8, retry_attempts=4, bisect_on_error=True)
    runtime = FakeStreamRuntime({"6"}, raising=True)
    source = stream_source(runtime, policy)

    source._deliver(records(1, 8))

    halves = [["1", "2", "3", "4", "5", "6", "7", "8"], ["1", "2", "3", "4"], ["5", "6", "7", "8"],
              ["5", "6"], ["5"], ["6"]]
    assert runtime.batches[:len(halves)] == halves
    # Three splits were three retries: the poison record alone has the fourth, then it is set aside.
    assert runtime.batches[len(halves):] == [["6"], ["7", "8"]]
    assert source.set_aside == [("6", "6")]
    assert runtime.delivered == ["1", "2", "3", "4", "5", "7", "8"]


def test_without_bisecting_a_failing_stream_batch_is_retried_whole_then_set_aside_whole():
    policy = StreamDelivery(batch_size=4, retry_attempts=2, bisect_on_error=False)
    runtime = FakeStreamRuntime({"2"}, raising=True)
    source = stream_source(runtime, policy)

    source._deliver(records(1, 4))

    assert runtime.batches == [["1", "2", "3", "4"]] * 3  # the first try and two retries
    assert source.set_aside == [("1", "4")] and runtime.delivered == []


def test_a_reported_failure_retries_from_that_record_and_progress_earns_fresh_retries():
    policy = StreamDelivery(batch_size=6, retry_attempts=3, bisect_on_error=True)
    runtime = FakeStreamRuntime({"3", "5"})
    source = stream_source(runtime, policy)

    source._deliver(records(1, 6))

    assert runtime.batches[:2] == [["1", "2", "3", "4", "5", "6"], ["3", "4", "5", "6"]]
    assert source.set_aside == [("3", "3"), ("5", "5")]
    assert runtime.delivered == ["1", "2", "4", "6"]


def test_a_stream_record_reaches_the_function_as_lambda_s_json():
    from datetime import datetime, timezone

    from local.sources import _lambda_json, _lambda_walk

    image = {"pk": {"S": "APP#1"}, "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"\x01"]}, "n": {"N": "3"},
             "host": {"M": {"places": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}}}}
    record = {"eventName": "MODIFY", "dynamodb": {
        "ApproximateCreationDateTime": datetime(2017, 1, 19, 10, 0, 30, 500, tzinfo=timezone.utc),
        "Keys": {"pk": {"S": "APP#1"}}, "NewImage": image, "OldImage": {"pk": {"S": "APP#1"}}, "SizeBytes": 2 ** 70}}

    sent = _lambda_json(record)

    assert sent["dynamodb"]["ApproximateCreationDateTime"] == 1484820030
    assert sent["dynamodb"]["NewImage"]["blob"] == {"B": "AP8="} and sent["dynamodb"]["NewImage"]["blobs"] == {"BS": ["AQ=="]}
    assert sent["dynamodb"]["SizeBytes"] == 2 ** 70  # beyond what orjson writes: walked instead
    assert sent == _lambda_walk(record)
    del record["dynamodb"]["SizeBytes"]
    assert _lambda_json(record) == _lambda_walk(record)
    sent["dynamodb"]["NewImage"]["n"]["N"] = "4"
    assert record["dynamodb"]["NewImage"]["n"] == {"N": "3"}  # a copy: the record read is left as it was
