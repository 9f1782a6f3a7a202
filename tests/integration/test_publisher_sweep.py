"""A state change's own event reaches the bus; a due timer's removal is announced as TimerFired."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3

from shared import clock
from shared.adapters import table
from shared.store import timers as timer_items
from shared.store import dynamodb
from shared.store.timers import Timer
from shared.models.events import VisitCreated
from tests.conftest import TEST_ENV
from tests.helpers import Context


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def _capture_bus():
    """An SQS queue behind a catch-all rule, to read what was published."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="capture")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=TEST_ENV["EVENT_BUS_NAME"],
                    EventPattern=json.dumps({"source": ["peer-learning-visits"]}))
    events.put_targets(Rule="all", EventBusName=TEST_ENV["EVENT_BUS_NAME"], Targets=[{"Id": "q", "Arn": arn}])
    return lambda: [json.loads(m["Body"]) for m in
                    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def _stream_records():
    dynamodb, streams = boto3.client("dynamodb"), boto3.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=TEST_ENV["TABLE_NAME"])["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


def test_the_event_written_with_an_item_is_published_once(aws):
    from functions.publisher.handler import handler

    received = _capture_bus()
    table.put({"pk": "VISIT#v1", "sk": "VISIT"}, event=VisitCreated(visit_id="v1"))
    table.update("VISIT#v1", "VISIT", {"note": "a change with no event of its own"})
    answer = handler({"Records": _stream_records()}, Context())
    assert answer == {"batchItemFailures": []}
    [published] = received()
    assert published["detail-type"] == "VisitCreated" and published["detail"]["visit_id"] == "v1"


def test_the_sweep_fires_only_due_timers_and_their_removal_is_published(aws):
    from functions.publisher.handler import handler as publisher
    from functions.sweep.handler import handler as sweep

    received = _capture_bus()
    now = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    clock.use(FixedClock(now))
    try:
        dynamodb().timers.schedule(Timer("applications_close", now, "close#v1", {"visit_id": "v1"}))
        dynamodb().timers.schedule(Timer("offer_expiry", datetime(2027, 1, 12, tzinfo=timezone.utc), "expiry#a1",
                                       {"application_id": "a1"}))
        assert sweep({}, Context())["fired"] == 1
        assert sweep({}, Context())["fired"] == 0
    finally:
        clock.use(clock.SystemClock())
    publisher({"Records": _stream_records()}, Context())
    [fired] = received()
    assert fired["detail-type"] == "TimerFired"
    assert fired["detail"]["kind"] == "applications_close" and fired["detail"]["visit_id"] == "v1"
    assert [t["timer_id"] for p in timer_items.all_partitions() for t in table.query(p)] == ["expiry#a1"]


def test_the_sweep_drains_every_due_timer_in_batches_and_reports_no_backlog(aws):
    from functions.sweep.handler import handler as sweep

    now = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    clock.use(FixedClock(now))
    try:
        for index in range(620):  # several batches, and more than the old 500-per-sweep cap
            dynamodb().timers.schedule(Timer("offer_expiry", now, f"expiry#a{index}", {"application_id": f"a{index}"}))
        dynamodb().timers.schedule(Timer("offer_expiry", datetime(2027, 1, 12, tzinfo=timezone.utc), "expiry#later",
                                         {}))
        partitions = {t["pk"] for p in timer_items.all_partitions() for t in table.query(p)}
        assert len(partitions) == timer_items.PARTITIONS, partitions  # spread: no one hot partition key

        answer = sweep({}, Context())
    finally:
        clock.use(clock.SystemClock())

    assert answer["fired"] == 620 and answer["backlog"] == 0
    assert [t["timer_id"] for p in timer_items.all_partitions() for t in table.query(p)] == ["expiry#later"]


def test_a_sweep_that_starts_short_of_time_still_fires_a_batch_and_reports_the_rest(aws, monkeypatch, capsys):
    from dataclasses import dataclass

    from functions.sweep.handler import BATCH
    from functions.sweep.handler import handler as sweep

    @dataclass
    class LateContext(Context):
        def get_remaining_time_in_millis(self) -> int:
            return 1_000  # the run began late: less than the spare time is left

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    now = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    clock.use(FixedClock(now))
    try:
        for index in range(BATCH + 20):
            dynamodb().timers.schedule(Timer("offer_expiry", now, f"expiry#a{index}", {"application_id": f"a{index}"}))
        answer = sweep({}, LateContext())
        again = sweep({}, LateContext())
    finally:
        clock.use(clock.SystemClock())

    assert answer["fired"] == BATCH and answer["backlog"] == 20  # progress, and the rest counted
    assert again["fired"] == 20 and again["backlog"] == 0
    # The backlog as CloudWatch gets it (EMF on stdout), which the stack's SweepBacklog alarm watches
    # (tests/infra/test_operations.py checks the alarm's namespace, name and dimension are these).
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    backlogs = [(sum(m["TimersBacklog"]) if isinstance(m["TimersBacklog"], list) else m["TimersBacklog"], m["service"])
                for m in emitted]
    assert backlogs == [(20, "peer-learning-visits"), (0, "peer-learning-visits")]
    assert {d["Namespace"] for m in emitted for d in m["_aws"]["CloudWatchMetrics"]} == {"PeerLearningVisits"}


def test_an_hour_with_nothing_due_costs_the_sweep_one_read_and_a_new_timer_is_noted_through_the_stream(aws):
    from functions.publisher.handler import handler as publisher
    from functions.sweep.handler import handler as sweep

    received = _capture_bus()
    now = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    clock.use(FixedClock(now))
    try:
        dynamodb().timers.schedule(Timer("offer_expiry", datetime(2027, 1, 12, tzinfo=timezone.utc), "expiry#a1", {}))
        assert sweep({}, Context())["fired"] == 0  # no mark yet: a full look, which leaves the mark at 12 January
        events = table._table().meta.client.meta.events
        calls: list[str] = []
        events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="count")
        assert sweep({}, Context())["fired"] == 0
        events.unregister("before-call.dynamodb", unique_id="count")
        assert calls == ["GetItem"]

        # A timer due before the mark, written after it: the stream's consumer notes it on the mark.
        dynamodb().timers.schedule(Timer("applications_close", now, "close#v1", {"visit_id": "v1"}))
        assert sweep({}, Context())["fired"] == 0  # not noted yet: the mark still says 12 January
        publisher({"Records": _stream_records()}, Context())
        events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="count")
        calls.clear()
        assert sweep({}, Context())["fired"] == 1
        events.unregister("before-call.dynamodb", unique_id="count")
        # the mark, a Query a timer partition (reading on to what comes next), the removal, the new mark
        assert calls == ["GetItem", *["Query"] * len(timer_items.all_partitions()), "TransactWriteItems", "PutItem"]
        assert sweep({}, Context())["fired"] == 0
    finally:
        clock.use(clock.SystemClock())
    publisher({"Records": _stream_records()}, Context())
    assert [m["detail"]["timer_id"] for m in received() if m["detail-type"] == "TimerFired"] == ["close#v1"]
    assert [t["timer_id"] for p in timer_items.all_partitions() for t in table.query(p)] == ["expiry#a1"]


def test_a_timer_noted_while_a_sweep_looked_keeps_the_mark_from_hiding_it(aws):
    later = datetime(2027, 1, 12, tzinfo=timezone.utc)
    now = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)
    timers = dynamodb().timers
    timers.schedule(Timer("offer_expiry", later, "expiry#a1", {}))

    look = timers.look(now)
    assert look.anything_due  # no mark yet
    timers.mark_next(look)
    assert not timers.look(now + timedelta(hours=1)).anything_due  # the mark: 12 January

    look = timers.look(later)
    # A timer due in an hour, written after this sweep's queries and noted before its mark is replaced:
    timer_items.note_written([timer_items.sort_key(Timer("applications_close", now + timedelta(hours=1), "close#v1"))])
    timers.mark_next(look)  # the mark moved on since the look: this sweep's "next: 12 January" is not kept
    assert timers.look(now + timedelta(hours=1)).anything_due
    assert not timers.look(now).anything_due
