"""The embedded AWS: moto in-process, every call into it serialised, resources from the declarations.

moto is not thread-safe (racing transactions corrupt its state), so one re-entrant lock is
taken around botocore's stubber: handlers run concurrently, moto sees one call at a time.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from local import (attribute_values, condition_expressions, dispatch, endpoints, env, event_paths, in_process,
                   item_sizes, moto_helpers, sent_mail, signing, transactions, update_expressions)
from shared import topology

# The one lock around moto. Re-entrant: code already holding it (e.g. the outbox reading
# moto's backends) may still make a boto3 call.
MOTO_LOCK = threading.RLock()

_CLIENT_LOCK = threading.RLock()

DELIVERY = topology.QUEUE_DELIVERY  # as the CDK app's queues (shared/topology.py)

_patched = False


def _serialise_moto() -> None:
    """Wrap the stubber botocore calls into (once per process)."""
    global _patched
    if _patched:
        return
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request

    def process_request(self, request):  # type: ignore[no-untyped-def]
        with MOTO_LOCK:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]

    # Creating clients from one (the default) session is not thread-safe either, and here the
    # functions share a process: their first clients may be made at the same moment.
    from botocore.session import Session

    create_client = Session.create_client

    def create_client_serialised(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _CLIENT_LOCK:
            return create_client(self, *args, **kwargs)

    Session.create_client = create_client_serialised  # type: ignore[method-assign]
    _patched = True


@dataclass
class ConsumerQueue:
    function: str
    name: str
    url: str
    arn: str
    dlq_name: str
    dlq_url: str
    dlq_arn: str


@dataclass
class Resources:
    table_name: str
    stream_arn: str
    idempotency_table_name: str
    bucket_name: str
    event_bus_name: str
    event_bus_arn: str
    queues: dict[str, ConsumerQueue]          # by function name
    rule_arns: dict[str, str]                 # event rules and schedules, by rule name
    stream_failures_url: str = ""             # the stream mapping's on-failure queue (the CDK app's StreamFailuresDlq)


class Emulator:
    """moto started once, with the resources the CDK app would create."""

    def __init__(self, topology: Any) -> None:
        self.topology = topology
        self._mock = None
        self.resources: Resources | None = None
        self.clients: dict[str, Any] = {}

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Resources:
        from moto import mock_aws

        dispatch.install()  # before the lock: _serialise_moto wraps the stubber's process_request as it is then
        _serialise_moto()
        _speed_up_queries()
        attribute_values.install()
        transactions.install()
        update_expressions.install()
        condition_expressions.install()
        event_paths.install()
        signing.install()
        sent_mail.install()
        item_sizes.install()
        moto_helpers.install()
        endpoints.install()
        in_process.install()  # before any client is made: every session's clients answer in-process
        self._mock = mock_aws()
        self._mock.start()
        for service in ("dynamodb", "dynamodbstreams", "sqs", "events", "s3", "ses"):
            self.clients[service] = boto3.client(service, region_name=env.REGION)
        self.resources = self._create_resources()
        _forget_model_instances()
        return self.resources

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def client(self, service: str):
        return self.clients[service]

    # -- resources -----------------------------------------------------------------------
    def _create_resources(self) -> Resources:
        from shared.table_schema import dynamodb_create_table_kwargs, idempotency_create_table_kwargs

        dynamodb, sqs, events = self.clients["dynamodb"], self.clients["sqs"], self.clients["events"]
        dynamodb.create_table(**dynamodb_create_table_kwargs(env.TABLE_NAME))
        dynamodb.create_table(**idempotency_create_table_kwargs(env.IDEMPOTENCY_TABLE_NAME))
        for name, attribute in ((env.TABLE_NAME, _ttl_attribute("main")),
                                (env.IDEMPOTENCY_TABLE_NAME, _ttl_attribute("idempotency"))):
            if attribute:
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": attribute})
        stream_arn = dynamodb.describe_table(TableName=env.TABLE_NAME)["Table"]["LatestStreamArn"]

        self.clients["s3"].create_bucket(Bucket=env.BUCKET_NAME,
                                         CreateBucketConfiguration={"LocationConstraint": env.REGION})
        self.clients["ses"].verify_email_identity(EmailAddress=env.MAIL_FROM)
        bus_arn = events.create_event_bus(Name=env.EVENT_BUS_NAME)["EventBusArn"]

        queues: dict[str, ConsumerQueue] = {}
        for function in self.topology.consumers():
            name, dlq_name = f"{function}-events", f"{function}-events-dlq"
            dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes={
                "MessageRetentionPeriod": str(int(DELIVERY.dlq_retention.total_seconds()))})["QueueUrl"]
            dlq_arn = _queue_arn(sqs, dlq_url)
            timeout = _function(self.topology, function).timeout_seconds
            url = sqs.create_queue(QueueName=name, Attributes={
                "VisibilityTimeout": str(DELIVERY.visibility_timeouts * timeout),
                "MessageRetentionPeriod": str(int(DELIVERY.retention.total_seconds())),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                             "maxReceiveCount": DELIVERY.max_receive_count}),
            })["QueueUrl"]
            queues[function] = ConsumerQueue(function, name, url, _queue_arn(sqs, url), dlq_name, dlq_url, dlq_arn)

        rule_arns: dict[str, str] = {}
        for rule in self.topology.RULES:
            rule_arns[rule.name] = events.put_rule(
                Name=rule.name, EventBusName=env.EVENT_BUS_NAME, EventPattern=json.dumps(rule.pattern()),
                State="ENABLED", Description=f"{', '.join(rule.detail_types)} to {rule.function}")["RuleArn"]
            queue = queues[rule.function]
            events.put_targets(Rule=rule.name, EventBusName=env.EVENT_BUS_NAME,
                               Targets=[{"Id": f"{rule.function}-queue", "Arn": queue.arn}])
        for schedule in self.topology.SCHEDULES:
            # On the default bus, as EventBridge keeps scheduled rules; moto cannot invoke Lambda
            # targets, so the local scheduler fires them (see local/scheduler.py).
            rule_arns[schedule.name] = events.put_rule(
                Name=schedule.name, ScheduleExpression=schedule.expression, State="ENABLED",
                Description=f"{schedule.expression} to {schedule.function}")["RuleArn"]

        stream_failures_url = sqs.create_queue(QueueName="stream-failures-dlq", Attributes={
            "MessageRetentionPeriod": str(14 * 24 * 3600)})["QueueUrl"]
        self.resources = Resources(env.TABLE_NAME, stream_arn, env.IDEMPOTENCY_TABLE_NAME, env.BUCKET_NAME,
                                   env.EVENT_BUS_NAME, bus_arn, queues, rule_arns, stream_failures_url)
        return self.resources

    # -- cheap looks at moto's state (no API call), to skip empty polls -------------------
    def stream_high_water(self) -> int | None:
        """The sequence number the next stream record will get, or None if unknown."""
        try:
            from moto.dynamodb.models import dynamodb_backends

            with MOTO_LOCK:
                shard = dynamodb_backends[env.ACCOUNT_ID][env.REGION].get_table(env.TABLE_NAME).stream_shard
                return shard.starting_sequence_number + len(shard.items)
        except Exception:  # noqa: BLE001 - internals moved: fall back to polling the API
            return None

    def forget_stream_records(self, before: int) -> None:
        """Drop the stream records numbered below `before` (the stream source has handed them on).

        moto keeps every record of the table's stream for ever, each with its item's old and new
        image: over a programme's year most of the stack's memory. DynamoDB keeps a day's worth;
        here nothing reads a record again once the source's checkpoint has passed it. The
        shard's first number moves up by as many, so later records keep their numbers."""
        try:
            from moto.dynamodb.models import dynamodb_backends

            with MOTO_LOCK:
                shard = dynamodb_backends[env.ACCOUNT_ID][env.REGION].get_table(env.TABLE_NAME).stream_shard
                done = min(before - shard.starting_sequence_number, len(shard.items))
                if done > 0:
                    del shard.items[:done]
                    shard.starting_sequence_number += done
        except Exception:  # noqa: BLE001 - internals moved: keep every record, as moto does
            pass

    def queue_has_visible(self, queue_name: str) -> bool | None:
        """Whether a queue holds a visible message, or None if unknown."""
        try:
            from moto.sqs.models import sqs_backends

            with MOTO_LOCK:
                return bool(sqs_backends[env.ACCOUNT_ID][env.REGION].queues[queue_name].messages)
        except Exception:  # noqa: BLE001
            return None

    def forget_shard_iterator(self, iterator: str) -> None:
        """moto keeps every shard iterator it ever handed out; drop the ones we are done with."""
        try:
            from moto.dynamodbstreams.models import dynamodbstreams_backends

            with MOTO_LOCK:
                dynamodbstreams_backends[env.ACCOUNT_ID][env.REGION].shard_iterators.pop(iterator, None)
        except Exception:  # noqa: BLE001
            pass


def _queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _function(topology: Any, name: str):
    return next(f for f in topology.FUNCTIONS if f.name == name)


def _ttl_attribute(which: str) -> str | None:
    from shared import table_schema

    if which == "main":
        return getattr(table_schema, "TTL_ATTRIBUTE", None)
    return getattr(table_schema, "IDEMPOTENCY_TTL_ATTRIBUTE", None)


# The services whose models the local stack makes in volume: every item written (and each copy moto
# makes of it), every stream record, queue message and email.
UNTRACKED_SERVICES = ("dynamodb", "dynamodbstreams", "sqs", "events", "ses", "sesv2")


class _Forgetful(list):
    """An `instances_tracked` list that keeps nothing."""

    def append(self, instance: Any) -> None:
        pass


def _forget_model_instances() -> None:
    """moto appends every model instance it ever creates to its class's `instances_tracked` (for its
    server's dashboard, which the local stack does not serve), so every item ever written, every copy
    moto made of one and every stream record stayed in memory for good: the local stack grew with
    every write, past 600 MB over a large programme. After the mock's start (which resets those lists),
    the high-volume services' models keep none; S3's stay tracked (its reset disposes of them)."""
    try:
        from moto.core.model_instances import model_data
    except ImportError:  # internals moved: keep moto's behaviour
        return
    for service in UNTRACKED_SERVICES:
        for model in model_data.get(service, {}).values():
            model.instances_tracked = _Forgetful()  # type: ignore[attr-defined]


def _speed_up_queries() -> None:
    """moto's table Query sorts every item of the table before keeping one partition, and a Query of an
    index walks every item too. Hand it only the items that can match: the partition itself, or for an
    index the items whose index key equals the queried one (moto sorts those by the index's keys
    afterwards, so the order they come in does not matter), filed by that key and kept current from
    the table's stream (`_IndexMap`). The same results, at a cost that no longer grows with the whole
    table (the hourly sweep's partitions, and a visit's applications through gsi1, in an ever-growing
    table)."""
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "_local_stack", False):
        return
    original = Table.query

    def candidates(table, hash_key, index_name, hash_key_conditions) -> list | None:
        if index_name is None:
            if hash_key is None:
                return None
            return list((table.items.get(hash_key) or {}).values())  # .get: the defaultdict must not grow
        if not hash_key_conditions:
            return None
        def same(found, value) -> bool:
            # A string key equals another exactly when its text does; DynamoType's == casts both sides
            # first, which was most of a walk's cost. Other types keep moto's ==.
            if found is None:
                return False
            if value.type == "S":
                return found.type == "S" and found.value == value.value
            return found == value

        if table.stream_shard is not None and all(value.type == "S" for _, value in hash_key_conditions):
            names = tuple(name for name, _ in hash_key_conditions)
            indexes = table.__dict__.setdefault(_INDEXES, {})
            index = indexes.get((index_name, names))
            if index is None:
                index = indexes[(index_name, names)] = _IndexMap(table, names)
            return index.items(tuple(value.value for _, value in hash_key_conditions))
        return [item for partition in table.items.values() for item in partition.values()
                if all(same(item.attrs.get(name), value) for name, value in hash_key_conditions)]

    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
              projection_expressions, index_name=None, *args, **kwargs):
        narrowed = candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions")) \
            if self.range_key_attr else None
        if narrowed is not None:
            self.all_items = lambda: narrowed  # shadows the method for this one call (moto is serialised)
        _querying.active = True
        try:
            with item_sizes.measured_once(self, transactions.restores if self.stream_shard is not None else None):
                return original(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                scan_index_forward, projection_expressions, index_name, *args, **kwargs)
        finally:
            _querying.active = False
            if narrowed is not None:
                del self.all_items

    query._local_stack = True  # type: ignore[attr-defined]
    query.__wrapped__ = original  # type: ignore[attr-defined]  (tests compare answers with moto's own)
    Table.query = query  # type: ignore[method-assign]
    global _stream_add
    _stream_add = table_module.StreamShard.add
    table_module.StreamShard.add = _file_written  # type: ignore[method-assign]
    table_module.copy = _CopiesFoundItemsShallow(table_module.copy)


# A table's index maps (`_IndexMap`), on the table itself, by index and key attributes asked. Walking the
# whole table for each index Query after a write was ~4% of a programme's year, and grew with the table.
_INDEXES = "_local_stack_indexes"


class _IndexMap:
    """The items of a table with a stream (and a range key) whose `names` all hold text, by that text: a
    superset of what an index Query of those texts matches (moto's Query still checks each item).

    Every write to such a table (put, update, delete, alone, in a batch or a transaction) adds a
    record to its stream: there (`_file_written`, installed on moto's StreamShard.add) the item
    written is filed again as it now is. A cancelled transaction put back writes no record: after
    one, the whole table is filed again (local/transactions.py counts them)."""

    def __init__(self, table: Any, names: tuple[str, ...]) -> None:
        self.table, self.names = table, names
        self.restores: int | None = None
        self.by_text: dict[tuple, dict[tuple, Any]] = {}
        self.filed_as: dict[tuple, tuple] = {}   # an item's table key -> the texts it is filed by

    def items(self, texts: tuple) -> list:
        if self.restores != transactions.restores:
            self._file_all()
        return list(self.by_text.get(texts, {}).values())

    def written(self, item: Any) -> None:
        """`item` (as the stream record has it) was written: file the table's item of that key as it is now."""
        if self.restores is None:
            return  # not filed yet: its first Query files the whole table
        partition = self.table.items.get(item.hash_key)  # .get: the defaultdict must not grow
        self._file(_table_key(item.hash_key, item.range_key),
                   partition.get(item.range_key) if partition is not None else None)

    def _file_all(self) -> None:
        self.restores = transactions.restores
        self.by_text, self.filed_as = {}, {}
        for partition in self.table.items.values():
            for item in partition.values():
                self._file(_table_key(item.hash_key, item.range_key), item)

    def _file(self, key: tuple, item: Any) -> None:
        before = self.filed_as.pop(key, None)
        if before is not None:
            filed = self.by_text[before]
            filed.pop(key, None)
            if not filed:
                del self.by_text[before]
        if item is None:
            return
        values = [item.attrs.get(name) for name in self.names]
        if all(value is not None and value.type == "S" for value in values):
            texts = tuple(value.value for value in values)
            self.by_text.setdefault(texts, {})[key] = item
            self.filed_as[key] = texts


def _file_written(shard: Any, old: Any, new: Any) -> None:
    """moto's StreamShard.add (5.2.5), then the item written filed again in its table's index maps, and
    measured again when next asked (with the one it replaced or deleted)."""
    _stream_add(shard, old, new)
    item_sizes.forget(shard.table, *(item for item in (old, new) if item is not None))
    indexes = shard.table.__dict__.get(_INDEXES)
    if indexes:
        for index in indexes.values():
            index.written(new if new is not None else old)


_stream_add: Any = None  # moto's StreamShard.add, bound by _speed_up_queries


def _table_key(hash_value: Any, range_value: Any) -> tuple:
    return hash_value.type, hash_value.value, range_value.type, range_value.value


# Set while Table.query runs (per thread): its deep copy of the items found may be a shallow one.
_querying = threading.local()


class _CopiesFoundItemsShallow:
    """The `copy` module as moto's table model sees it, but for the one deep copy Table.query makes:
    of the list of items it found, before projecting and filtering them. Nothing after changes an
    item (a projection makes a new one, a filter reads, the handler makes new dicts of their
    values), so a copy of the list does: deep-copying each item was a third of a Query's time."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if getattr(_querying, "active", False) and type(value) is list:
            return list(value)
        return self._module.deepcopy(value, memo)
