"""Calls answered in-process (local/in_process.py) answer as through moto's stubber: results and errors."""
from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from local import in_process
from tests.conftest import TEST_ENV

NAME, BUS, SENDER = TEST_ENV["TABLE_NAME"], TEST_ENV["EVENT_BUS_NAME"], TEST_ENV["MAIL_FROM"]


def _key(n: int) -> dict:
    return {"pk": {"S": f"V#{n}"}, "sk": {"S": "VISIT"}}


def answers() -> list:
    """The calls the local stack makes of each service answered in-process, and their errors; request
    ids, message ids, receipt handles, sequence numbers and dates left out (they differ every time)."""
    dynamodb, streams, sqs = boto3.client("dynamodb"), boto3.client("dynamodbstreams"), boto3.client("sqs")
    events, sesv2 = boto3.client("events"), boto3.client("sesv2")
    seen: list = []

    def keep(call, **kwargs):
        try:
            reply = call(**kwargs)
        except ClientError as error:
            response = error.response
            seen.append((type(error).__name__, response["Error"]["Code"], response["Error"]["Message"],
                         response["ResponseMetadata"]["HTTPStatusCode"], response.get("CancellationReasons")))
            return None
        metadata = reply.pop("ResponseMetadata", {})
        seen.append((metadata.get("HTTPStatusCode"), len(metadata.get("RequestId", "")),
                     metadata.get("RetryAttempts")))
        return reply

    # DynamoDB: writes, conditions, reads, an index's pages, transactions, validation errors
    for n in range(4):  # items of every kind of value; the odd ones with binary data too
        binary = {"blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"\x01", b"\x02"]}} if n % 2 else {}
        keep(dynamodb.put_item, TableName=NAME, Item={
            **_key(n), **binary, "title": {"S": f"Visit {n}"}, "n": {"N": str(n)}, "tags": {"SS": ["a", "b"]},
            "host": {"M": {"name": {"S": "Kent"}, "sizes": {"NS": ["1", "2"]}, "gone": {"NULL": True},
                           "list": {"L": [{"BOOL": False}, {"N": "3"}, {"M": {"inner": {"S": ""}}}]}}},
            "gsi1pk": {"S": "VISITS"}, "gsi1sk": {"S": f"{n:03d}"}})
    keep(dynamodb.put_item, TableName=NAME, Item=_key(0), ConditionExpression="attribute_not_exists(pk)")
    seen.append(keep(dynamodb.get_item, TableName=NAME, Key=_key(1), ConsistentRead=True))
    seen.append(keep(dynamodb.get_item, TableName=NAME, Key=_key(2), ConsistentRead=True))
    seen.append(keep(dynamodb.get_item, TableName=NAME, Key=_key(9)))
    seen.append(keep(dynamodb.update_item, TableName=NAME, Key=_key(1), UpdateExpression="SET #t = :t ADD n :one",
                     ExpressionAttributeNames={"#t": "title"},
                     ExpressionAttributeValues={":t": {"S": "Renamed"}, ":one": {"N": "1"}}, ReturnValues="ALL_NEW"))
    keep(dynamodb.update_item, TableName=NAME, Key=_key(1), UpdateExpression="SET #t = :t",
         ConditionExpression="n = :zero", ExpressionAttributeNames={"#t": "title"},
         ExpressionAttributeValues={":t": {"S": "x"}, ":zero": {"N": "0"}})
    page = keep(dynamodb.query, TableName=NAME, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                ExpressionAttributeValues={":p": {"S": "VISITS"}}, Limit=3)
    seen.append(page)
    seen.append(keep(dynamodb.query, TableName=NAME, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                     ExpressionAttributeValues={":p": {"S": "VISITS"}}, ExclusiveStartKey=page["LastEvaluatedKey"]))
    seen.append(keep(dynamodb.batch_get_item, RequestItems={NAME: {"Keys": [_key(2), _key(3), _key(8)]}}))
    keep(dynamodb.transact_write_items, TransactItems=[
        {"Update": {"TableName": NAME, "Key": _key(2), "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "20"}}}},
        {"Put": {"TableName": NAME, "Item": {**_key(5), "title": {"S": "Visit 5"}}}}])
    keep(dynamodb.transact_write_items, TransactItems=[
        {"Update": {"TableName": NAME, "Key": _key(3), "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "30"}}}},
        {"Put": {"TableName": NAME, "Item": _key(5), "ConditionExpression": "attribute_not_exists(pk)"}}])
    keep(dynamodb.delete_item, TableName=NAME, Key=_key(5), ReturnValues="ALL_OLD")
    keep(dynamodb.get_item, TableName=NAME, Key={"pk": {"S": ""}, "sk": {"S": "VISIT"}})
    keep(dynamodb.get_item, TableName="no-such-table", Key=_key(1))
    seen.append(keep(dynamodb.describe_table, TableName=NAME)["Table"]["KeySchema"])

    # DynamoDB Streams: the records those writes left
    stream_arn = dynamodb.describe_table(TableName=NAME)["Table"]["LatestStreamArn"]
    shard = keep(streams.describe_stream, StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = keep(streams.get_shard_iterator, StreamArn=stream_arn, ShardId=shard,
                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = keep(streams.get_records, ShardIterator=iterator, Limit=100)["Records"]
    for record in records:  # what differs every time: ids, numbers, the moment (but not its kind)
        record.pop("eventID")
        record["dynamodb"].pop("SequenceNumber")
        record["dynamodb"].pop("SizeBytes")  # moto measures the record with its moment written out
        moment = record["dynamodb"].pop("ApproximateCreationDateTime")
        record["moment"] = (type(moment).__name__, repr(moment.tzinfo), moment.microsecond % 1000)
    seen.append(records)
    keep(streams.get_shard_iterator, StreamArn=stream_arn + "-gone", ShardId=shard, ShardIteratorType="LATEST")

    # An item holding a map with an empty name (last: its stream record cannot be read either)
    keep(dynamodb.put_item, TableName=NAME, Item={**_key(7), "odd": {"M": {"": {"S": "x"}}}})
    try:  # moto's walker writes a map with an empty name so that botocore cannot read it: the same here
        seen.append(keep(dynamodb.get_item, TableName=NAME, Key=_key(7)))
    except AttributeError as unreadable:
        seen.append(("unreadable", str(unreadable)))

    # SQS: a queue's messages sent, received and deleted; a queue that is not there
    url = keep(sqs.create_queue, QueueName="in-process", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    keep(sqs.send_message, QueueUrl=url, MessageBody=json.dumps({"n": 1}), MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "test"}})
    received = keep(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                    AttributeNames=["ApproximateReceiveCount"])["Messages"]
    seen.append([(m["Body"], m["MessageAttributes"], m["Attributes"]) for m in received])
    seen.append(keep(sqs.delete_message_batch, QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)])["Successful"])
    seen.append(keep(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["VisibilityTimeout"]))
    keep(sqs.get_queue_attributes, QueueUrl=url + "-missing", AttributeNames=["All"])

    # EventBridge: events put and refused, a bus described and one that is not there
    seen.append(keep(events.put_events, Entries=[{"EventBusName": BUS, "Source": "s", "DetailType": "d",
                                                  "Detail": "{}"}])["FailedEntryCount"])
    seen.append(keep(events.describe_event_bus, Name=BUS)["Name"])
    keep(events.describe_event_bus, Name="no-such-bus")

    # SES (v2): raw and simple email, and a sender that is not verified
    raw = f"From: {SENDER}\r\nTo: someone@example.org\r\nSubject: Hello\r\n\r\nHello.\r\n".encode()
    seen.append(bool(keep(sesv2.send_email, FromEmailAddress=SENDER,
                          Destination={"ToAddresses": ["someone@example.org"]},
                          Content={"Raw": {"Data": raw}})["MessageId"]))
    simple = {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}
    seen.append(bool(keep(sesv2.send_email, FromEmailAddress=SENDER, Destination={"ToAddresses": ["a@example.org"]},
                          Content=simple)["MessageId"]))
    keep(sesv2.send_email, FromEmailAddress="nobody@unverified.example", Destination={"ToAddresses": ["a@example.org"]},
         Content=simple)
    return seen


@pytest.fixture
def counted(monkeypatch):
    """The calls answered in-process, by service and operation."""
    calls: list[str] = []
    original = in_process._call

    def call(response_class, model, *args):
        calls.append(f"{model.service_model.service_name}.{model.name}")
        return original(response_class, model, *args)

    monkeypatch.setattr(in_process, "_call", call)
    return calls


def test_calls_answered_in_process_answer_as_through_moto_s_stubber(aws, counted):
    in_process.install()
    with in_process.over_http():
        by_moto = answers()
    assert not counted
    aws.renew()
    ours = answers()
    assert ours == by_moto
    assert {c.split(".")[0] for c in counted} == {"dynamodb", "dynamodbstreams", "sqs", "events", "sesv2"}
    assert {"dynamodb.TransactWriteItems", "dynamodb.Query", "sesv2.SendEmail", "sqs.ReceiveMessage",
            "events.PutEvents", "dynamodbstreams.GetRecords"} <= set(counted)


def test_errors_keep_moto_s_codes_and_what_botocore_makes_of_them(aws, counted):
    """The exceptions boto3 raises, with the modelled fields botocore adds (a transaction's reasons)."""
    in_process.install()
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=NAME, Item=_key(1))
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.put_item(TableName=NAME, Item=_key(1), ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": NAME, "Item": _key(2)}},
            {"Put": {"TableName": NAME, "Item": _key(1), "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.get_item(TableName="no-such-table", Key=_key(1))
    assert "dynamodb.TransactWriteItems" in counted and "dynamodb.GetItem" in counted


def test_what_is_not_answered_in_process_takes_the_usual_road(aws, counted):
    """S3 (REST-XML) and the classic SES API (query) go to moto's stubber as before."""
    in_process.install()
    s3, ses = boto3.client("s3"), boto3.client("ses")
    s3.put_object(Bucket=TEST_ENV["BUCKET_NAME"], Key="k", Body=b"body")
    assert s3.get_object(Bucket=TEST_ENV["BUCKET_NAME"], Key="k")["Body"].read() == b"body"
    assert SENDER in ses.list_identities()["Identities"]
    assert counted == []


def test_a_binary_attribute_comes_back_as_bytes(aws):
    in_process.install()
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=NAME, Item={**_key(1), "blob": {"B": base64.b64decode("AP8=")}})
    assert dynamodb.get_item(TableName=NAME, Key=_key(1))["Item"]["blob"] == {"B": b"\x00\xff"}
