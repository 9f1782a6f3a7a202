"""The stores' contract: every test here runs against DynamoDB (over moto, the table built from
the same key schema as CDK's; the documents in an S3 bucket) and against the in-memory stores,
which must behave the same."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared import store
from shared.table_schema import dynamodb_create_table_kwargs
from tests.conftest import TEST_ENV


@pytest.fixture(scope="module")
def dynamodb_client():
    """One emulated account per module (starting moto costs seconds; a new table, milliseconds)."""
    from shared.adapters import documents, table

    with mock_aws():
        table._table.cache_clear()
        documents._client.cache_clear()
        boto3.client("s3").create_bucket(Bucket=TEST_ENV["BUCKET_NAME"],
                                         CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        yield boto3.client("dynamodb")
    table._table.cache_clear()
    documents._client.cache_clear()


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request):
    if request.param == "memory":
        return store.in_memory()
    client = request.getfixturevalue("dynamodb_client")
    name = TEST_ENV["TABLE_NAME"]
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(**dynamodb_create_table_kwargs(name))
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=TEST_ENV["BUCKET_NAME"]).get("Contents", [])
    if listed:
        s3.delete_objects(Bucket=TEST_ENV["BUCKET_NAME"], Delete={"Objects": [{"Key": o["Key"]} for o in listed]})
    return store.dynamodb()


@pytest.fixture
def published(stores):
    """The events the stores have written so far, in order, as the publisher would send them:
    from the table's stream (DynamoDB) or from what the in-memory stores recorded."""
    if stores.memory is not None:
        seen: list[tuple[str, dict]] = []

        def from_memory() -> list[tuple[str, dict]]:
            seen.extend((event.detail_type, event.model_dump(mode="json")) for _, event in stores.memory.take_events())
            return list(seen)

        return from_memory

    from shared.adapters.stream import event_of_record

    def from_stream() -> list[tuple[str, dict]]:
        dynamodb, streams = boto3.client("dynamodb"), boto3.client("dynamodbstreams")
        arn = dynamodb.describe_table(TableName=TEST_ENV["TABLE_NAME"])["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
        return [(found[1], found[2]) for found in map(event_of_record, records) if found is not None]

    return from_stream


@pytest.fixture
def noted(stores):
    """What the table's stream does for the timers' mark (DynamoDB: the publisher notes each timer written,
    tests/integration/test_publisher_sweep.py); the in-memory timers need no telling."""
    if stores.memory is not None:
        return lambda: None

    from shared.adapters.stream import written_timer
    from shared.store.timers import note_written

    seen: set[str] = set()

    def from_stream() -> None:
        dynamodb, streams = boto3.client("dynamodb"), boto3.client("dynamodbstreams")
        arn = dynamodb.describe_table(TableName=TEST_ENV["TABLE_NAME"])["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
        new = [r for r in records if r["dynamodb"]["SequenceNumber"] not in seen]
        seen.update(r["dynamodb"]["SequenceNumber"] for r in new)
        note_written(sk for sk in map(written_timer, new) if sk)

    return from_stream
