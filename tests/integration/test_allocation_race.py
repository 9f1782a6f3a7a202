"""Allocation racing confirmations and withdrawals over DynamoDB (moto): never more places than the
capacity, nobody offered twice. The flow itself is tested over memory: tests/unit/test_allocation_flow.py."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from shared import clock
from shared.adapters import table
from shared.adapters.mailer import RecordingMailer
from shared.adapters.stream import event_of_record
from shared.auth import Caller
from shared.errors import Conflict, Forbidden
from shared.models.application import Application
from shared.models.events import ApplicationWithdrawn
from shared.models.visit import VisitFields
from shared.services import applications, outbound, visits
from shared.store import dynamodb
from shared.store import applications as application_items
from tests.conftest import TEST_ENV

NOW = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)       # applications close
STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)   # the visit


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


class World:
    def __init__(self, fixed: FixedClock):
        self.clock, self.minute = fixed, 0

    def at(self, moment: datetime) -> None:
        self.clock.moment = moment

    def visit(self, **changes) -> str:
        fields = {
            "title": "Staff wellbeing", "theme": "How to manage staff wellbeing and develop personal resilience",
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Pat Host",
                     "contact_email": "pat@lancs.example"},
            "venue": "Hutton HQ", "starts_at": STARTS, "capacity": 9, "applications_close_at": NOW, **changes}
        return visits.create(dynamodb(), VisitFields.model_validate(fields)).visit_id

    def apply(self, visit_id: str, organisation: str, count: int = 1) -> list[Application]:
        made = []
        for _ in range(count):
            self.minute += 1
            slug = organisation.split()[0].lower()
            at = NOW - timedelta(days=5) + timedelta(minutes=self.minute)
            application = Application(
                application_id=uuid.uuid4().hex, visit_id=visit_id, organisation=organisation, status="submitted",
                name=f"{slug.title()} Visitor {self.minute}", email=f"visitor{self.minute}@{slug}.example",
                role="police", job_title="Inspector", motivation="To learn", questions=["How?"], prep_call="join",
                submitted_at=at, submitted_by=f"lead@{slug}.example", updated_at=at)
            table.put(application_items.to_item(application))
            made.append(application)
        return made

    def status(self, application: Application) -> str:
        return applications.find(dynamodb(), application.application_id).status


@pytest.fixture
def world(aws):
    fixed = FixedClock(NOW - timedelta(days=10))
    clock.use(fixed)
    outbound.use_mailer(RecordingMailer())
    try:
        yield World(fixed)
    finally:
        clock.use(clock.SystemClock())
        outbound.use_mailer(None)


@pytest.fixture
def serialised_moto():
    """moto is not thread-safe: let one AWS call through at a time (the code under test still races)."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.process_request = one_at_a_time
    try:
        yield
    finally:
        BotocoreStubber.process_request = original


def test_racing_confirmations_withdrawals_and_allocations_never_exceed_capacity(world, serialised_moto):
    from shared.services import allocation, offers

    visit_id = world.visit(capacity=6)
    applied = world.apply(visit_id, "Kent Police", 5) + world.apply(visit_id, "Essex Police", 4) \
        + world.apply(visit_id, "Durham Constabulary", 3)
    world.at(NOW + timedelta(hours=1))
    allocation.run(dynamodb(), visit_id)
    offered = [a for a in applied if world.status(a) == "offered"]
    assert len(offered) == 6
    errors: list[BaseException] = []
    peak = {"held": 0}

    def as_applicant(application: Application) -> Caller:
        return Caller(application.email, application.name, application.organisation, frozenset())

    def confirm(application):
        offers.confirm(dynamodb(), application.application_id, as_applicant(application))

    def withdraw(application):
        for _ in range(10):   # as the intake service would: read, write conditionally, read again if it lost
            current = applications.find(dynamodb(), application.application_id)
            try:
                applications.change(dynamodb(), current, None, from_status=("offered", "confirmed"), status="withdrawn")
                break
            except Conflict:
                continue
        offers.on_withdrawn(dynamodb(), ApplicationWithdrawn(visit_id=visit_id, application_id=current.application_id,
                                                 organisation=current.organisation, previous_status=current.status))

    def allocate():
        allocation.run(dynamodb(), visit_id)

    def watch():
        for _ in range(20):
            peak["held"] = max(peak["held"], applications.places_held(dynamodb(), visit_id))

    jobs = [(confirm, offered[0]), (confirm, offered[1]), (withdraw, offered[2]), (withdraw, offered[3]),
            (confirm, offered[2]), (allocate, None), (allocate, None), (watch, None)]

    def run(job, argument):
        try:
            job(argument) if argument is not None else job()
        except (Conflict, Forbidden) as error:   # a lost race is an answer, not a failure
            if "offer is no longer open" not in error.message and "try again" not in error.message:
                errors.append(error)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    allocation.run(dynamodb(), visit_id)   # whatever the race left, one more run settles it
    final = applications.of_visit(dynamodb(), visit_id)
    held = [a for a in final if a.holds_place]
    assert peak["held"] <= 6 and len(held) == 6
    assert all(n >= 2 for n in Counter(a.organisation for a in held).values())
    assert {a.application_id for a in final if a.status == "withdrawn"} == {offered[2].application_id,
                                                                             offered[3].application_id}
    offers_made = Counter(d["application_id"] for d in _offered_events(visit_id))
    assert max(offers_made.values()) == 1     # nobody was offered the same place twice


def _offered_events(visit_id: str) -> list[dict]:
    streams, dynamodb = boto3.client("dynamodbstreams"), boto3.client("dynamodb")
    arn = dynamodb.describe_table(TableName=TEST_ENV["TABLE_NAME"])["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return [e[2] for e in map(event_of_record, records) if e and e[1] == "ApplicationOffered"
            and e[2]["visit_id"] == visit_id]
