"""Event source mappings, as Lambda runs them: the table's stream → publisher, each queue → its consumer.

Both read their policy from `shared/topology.py`, as the CDK app does, and both honour partial batch
failures (`batchItemFailures`). A stream batch is retried from its first failed record (records
before it are done, and the rest start their retries afresh). A batch that made no progress (the
function raised, its report was unusable, or its very first record failed) spends one of its
`retry_attempts`; with `bisect_on_error` it is then split in two and each half retried on its own,
so a poison record ends up alone and only it is set aside once its retries are spent (without
bisecting, the whole batch is). What is set aside is described, as Lambda's on-failure record is,
on the stream's on-failure queue, and the records after it go on: one record that cannot be
processed, or even read, never stops the others. Failed queue messages become visible again at once
and SQS's redrive policy moves them to the DLQ after `maxReceiveCount` receives.
"""
from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from typing import Any

import orjson

from local import env
from local.emulation import ConsumerQueue, Emulator
from local.runtime import Runtime
from shared import topology
from shared.adapters import faults

log = logging.getLogger("local.sources")

# As the CDK app's event source mappings (shared/topology.py).
QUEUE_BATCH_SIZE = topology.QUEUE_DELIVERY.batch_size


def _lambda_json(value: Any) -> Any:
    """What boto3 decoded back to the JSON Lambda receives: bytes as base64, times as epoch seconds (a
    copy; orjson writes and reads it back ~5x faster than the walk below, which takes what it does not
    write: a number beyond 64 bits, a key that is not text)."""
    try:
        return orjson.loads(orjson.dumps(value, default=_lambda_value, option=orjson.OPT_PASSTHROUGH_DATETIME))
    except TypeError:
        return _lambda_walk(value)


def _lambda_value(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, datetime)):
        return _lambda_walk(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _lambda_walk(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {k: _lambda_walk(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lambda_walk(v) for v in value]
    return value


def _failed_ids(answer: Any, batch_ids: list[str]) -> set[str] | None:
    """The identifiers a partial-batch answer reports failed; None means the whole batch failed."""
    if not isinstance(answer, dict):
        return set()
    failures = answer.get("batchItemFailures") or []
    ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return None  # as Lambda: an unusable failure report fails the whole batch
        ids.add(identifier)
    return ids


class StreamSource:
    """The main table's stream feeding one function (the publisher); `failure_queue_url` gets what fails."""

    def __init__(self, emulator: Emulator, runtime: Runtime, function: str, stream_arn: str,
                 failure_queue_url: str | None = None,
                 policy: topology.StreamDelivery = topology.STREAM_DELIVERY) -> None:
        self.emulator, self.runtime, self.function, self.stream_arn = emulator, runtime, function, stream_arn
        self.failure_queue_url, self.policy = failure_queue_url, policy
        self._streams = emulator.client("dynamodbstreams")
        self._sqs = emulator.client("sqs")
        shard = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        self._shard_id = shard["ShardId"]
        self._next_sequence = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])
        self.dropped = 0  # records set aside (each batch of them described on the failure queue)

    def poll(self) -> int:
        """Deliver one batch of new records; how many there were."""
        high_water = self.emulator.stream_high_water()
        if high_water is not None and high_water <= self._next_sequence:
            return 0
        try:
            records = self._read(self.policy.batch_size)
        except Exception:  # noqa: BLE001 - one record the stream cannot hand over must not stop the rest
            try:
                records = self._read(1)
            except Exception:  # noqa: BLE001
                log.exception("%s: stream record %d cannot be read", self.function, self._next_sequence)
                self._set_aside([str(self._next_sequence)], "the record could not be read from the stream", 0)
                self._next_sequence += 1
                self.emulator.forget_stream_records(before=self._next_sequence)
                return 1
        if not records:
            return 0
        self._next_sequence = max(int(r["dynamodb"]["SequenceNumber"]) for r in records) + 1
        self._deliver([self._lambda_record(r) for r in records])
        self.emulator.forget_stream_records(before=self._next_sequence)
        return len(records)

    def _read(self, limit: int) -> list[dict]:
        # A fresh iterator at the checkpoint every time (cheap, and never stale).
        iterator = self._streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self._shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(self._next_sequence))["ShardIterator"]
        try:
            answer = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        finally:
            self.emulator.forget_shard_iterator(iterator)
        self.emulator.forget_shard_iterator(answer["NextShardIterator"])
        return answer.get("Records") or []

    def _lambda_record(self, record: dict) -> dict:
        out = _lambda_json(record)
        out["eventSourceARN"] = self.stream_arn
        out.setdefault("eventSource", "aws:dynamodb")
        out.setdefault("awsRegion", env.REGION)
        return out

    def _deliver(self, records: list[dict], retries: int = 0) -> None:
        """Hand `records` to the function until each is done or set aside (see the module's docstring);
        `retries`: how many of its retries this batch has already spent."""
        pending = records
        while pending:
            done = self._invoke(pending)
            if done == len(pending):
                return
            if done:  # the checkpoint moves past the records done; the rest is retried with fresh retries
                pending, retries = pending[done:], 0
                continue
            if retries >= self.policy.retry_attempts:
                self._set_aside([r["dynamodb"]["SequenceNumber"] for r in pending],
                                f"{self.function} failed it {retries + 1} times", retries + 1)
                return
            retries += 1
            if self.policy.bisect_on_error and len(pending) > 1:
                half = (len(pending) + 1) // 2
                self._deliver(pending[:half], retries)
                self._deliver(pending[half:], retries)
                return

    def _invoke(self, records: list[dict]) -> int:
        """One invocation: how many records, from the first, it got done (all of them, or up to its
        first reported failure; none when it raised or its report is unusable)."""
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        try:
            failed = _failed_ids(self.runtime.invoke(self.function, {"Records": records}), numbers)
        except Exception:  # noqa: BLE001 - Lambda retries the whole batch
            log.exception("%s failed on a stream batch of %d", self.function, len(records))
            return 0
        if failed is None:
            return 0
        return next((index for index, number in enumerate(numbers) if number in failed), len(numbers))

    def _set_aside(self, sequence_numbers: list[str], reason: str, invocations: int) -> None:
        """Lambda's on-failure record for a batch it gives up on: where to find it, not the records themselves."""
        self.dropped += len(sequence_numbers)
        log.error("%s: stream records %s..%s set aside: %s", self.function, sequence_numbers[0],
                  sequence_numbers[-1], reason)
        if not self.failure_queue_url:
            return
        self._sqs.send_message(QueueUrl=self.failure_queue_url, MessageBody=json.dumps({
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.function,
                               "approximateInvokeCount": invocations},
            "responseContext": {"functionError": reason},
            "DDBStreamBatchInfo": {"shardId": self._shard_id, "startSequenceNumber": sequence_numbers[0],
                                   "endSequenceNumber": sequence_numbers[-1], "batchSize": len(sequence_numbers),
                                   "streamArn": self.stream_arn},
        }))

    def dead_letters(self) -> int:
        if not self.failure_queue_url:
            return 0
        attributes = self._sqs.get_queue_attributes(QueueUrl=self.failure_queue_url,
                                                    AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _first_receive(message: dict) -> bool:
    return (message.get("Attributes") or {}).get("ApproximateReceiveCount", "1") == "1"


class QueueSource:
    """One consumer's SQS queue feeding its function."""

    def __init__(self, emulator: Emulator, runtime: Runtime, queue: ConsumerQueue) -> None:
        self.emulator, self.runtime, self.queue = emulator, runtime, queue
        self._sqs = emulator.client("sqs")

    @property
    def function(self) -> str:
        return self.queue.function

    def poll(self) -> int:
        """Receive one batch and hand it to the function; how many messages there were."""
        if self.emulator.queue_has_visible(self.queue.name) is False:
            return 0
        messages = self._sqs.receive_message(
            QueueUrl=self.queue.url, MaxNumberOfMessages=QUEUE_BATCH_SIZE, WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages") or []
        if not messages:
            return 0
        records = [self._lambda_record(m) for m in messages]
        try:
            answer = self.runtime.invoke(self.function, {"Records": records})
            failed = _failed_ids(answer, [r["messageId"] for r in records])
        except Exception:  # noqa: BLE001 - the whole batch goes back to the queue
            log.exception("%s failed on a batch of %d message(s)", self.function, len(records))
            failed = None
        if failed is None:
            failed = {r["messageId"] for r in records}
        # Under fault injection SQS also delivers some handled messages a second time, as it may.
        failed |= {m["MessageId"] for m in messages
                   if m["MessageId"] not in failed and _first_receive(m) and faults.chosen("redelivery")}
        done = [m for m in messages if m["MessageId"] not in failed]
        again = [m for m in messages if m["MessageId"] in failed]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self.queue.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if again:
            self._sqs.change_message_visibility_batch(QueueUrl=self.queue.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(again)])
        return len(messages)

    def _lambda_record(self, message: dict) -> dict:
        attributes = {k: str(v) for k, v in (message.get("Attributes") or {}).items()}
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": attributes,
            "messageAttributes": {
                name: {"stringValue": value.get("StringValue"),
                       "binaryValue": _lambda_json(value["BinaryValue"]) if "BinaryValue" in value else None,
                       "stringListValues": value.get("StringListValues", []),
                       "binaryListValues": _lambda_json(value.get("BinaryListValues", [])),
                       "dataType": value.get("DataType")}
                for name, value in (message.get("MessageAttributes") or {}).items()},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue.arn,
            "awsRegion": env.REGION,
        }

    def dead_letters(self) -> int:
        attributes = self._sqs.get_queue_attributes(QueueUrl=self.queue.dlq_url,
                                                    AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])
