"""The local stack's TransactWriteItems (local/transactions.py): moto's behaviour, without copying the table."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from local import transactions
from tests.conftest import TEST_ENV

NAME = TEST_ENV["TABLE_NAME"]


@pytest.fixture
def client(aws, monkeypatch):
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transactions.transact_write_items)

    def no_table_copies(self, memo):  # the whole point: a transaction never copies the table
        raise AssertionError("a transaction copied the whole table")

    monkeypatch.setattr(Table, "__deepcopy__", no_table_copies, raising=False)
    dynamodb = boto3.client("dynamodb")
    for index in range(50):
        dynamodb.put_item(TableName=NAME, Item={"pk": {"S": f"P#{index}"}, "sk": {"S": "A"}, "n": {"N": str(index)}})
    return dynamodb


def stream_records(dynamodb) -> list[dict]:
    streams = boto3.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=NAME)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]


def operations(check_condition: str) -> list[dict]:
    return [
        {"Put": {"TableName": NAME, "Item": {"pk": {"S": "NEW"}, "sk": {"S": "A"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": NAME, "Key": {"pk": {"S": "P#1"}, "sk": {"S": "A"}},
                    "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "100"}}}},
        {"Delete": {"TableName": NAME, "Key": {"pk": {"S": "P#2"}, "sk": {"S": "A"}}}},
        {"ConditionCheck": {"TableName": NAME, "Key": {"pk": {"S": "P#3"}, "sk": {"S": "A"}},
                            "ConditionExpression": check_condition}},
    ]


def item(dynamodb, pk: str) -> dict | None:
    return dynamodb.get_item(TableName=NAME, Key={"pk": {"S": pk}, "sk": {"S": "A"}}, ConsistentRead=True).get("Item")


def test_a_transaction_that_passes_writes_every_item_and_its_stream_records(client):
    before = len(stream_records(client))

    client.transact_write_items(TransactItems=operations("attribute_exists(pk)"))

    assert item(client, "NEW") is not None
    assert item(client, "P#1")["n"] == {"N": "100"}
    assert item(client, "P#2") is None
    assert [r["eventName"] for r in stream_records(client)[before:]] == ["INSERT", "MODIFY", "REMOVE"]


def test_a_cancelled_transaction_leaves_the_items_and_the_stream_as_they_were(client):
    before = stream_records(client)

    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=operations("attribute_not_exists(pk)"))

    error = raised.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert item(client, "NEW") is None
    assert item(client, "P#1")["n"] == {"N": "1"}
    assert item(client, "P#2") is not None
    assert stream_records(client) == before
    client.put_item(TableName=NAME, Item={"pk": {"S": "AFTER"}, "sk": {"S": "A"}})
    assert stream_records(client)[-1]["dynamodb"]["Keys"]["pk"] == {"S": "AFTER"}  # the stream goes on


def test_one_item_twice_in_a_transaction_is_refused_and_nothing_is_written(client):
    twice = [{"Put": {"TableName": NAME, "Item": {"pk": {"S": "NEW"}, "sk": {"S": "A"}}}},
             {"Update": {"TableName": NAME, "Key": {"pk": {"S": "NEW"}, "sk": {"S": "A"}},
                         "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}}}]

    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=twice)

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert item(client, "NEW") is None
