"""The local stack's request dispatch (local/dispatch.py): every service answers as through moto's own."""
from __future__ import annotations

import json

import boto3
from botocore.exceptions import ClientError
from moto.core import responses
from moto.core.botocore_stubber import BotocoreStubber

from local import dispatch
from tests.conftest import TEST_ENV

NAME, BUCKET, BUS = TEST_ENV["TABLE_NAME"], TEST_ENV["BUCKET_NAME"], TEST_ENV["EVENT_BUS_NAME"]
KEY = {"pk": {"S": "V#1"}, "sk": {"S": "VISIT"}}


def answers(run: int) -> list:
    """One call or more of each service the local stack uses, and errors; request ids, message ids
    and dates left out."""
    dynamodb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")
    events, ses, sesv2 = boto3.client("events"), boto3.client("ses"), boto3.client("sesv2")
    seen: list = []

    def keep(call, *args, **kwargs):
        try:
            reply = call(*args, **kwargs)
        except ClientError as error:
            seen.append((error.response["Error"]["Code"], error.response["Error"]["Message"],
                         error.response["ResponseMetadata"]["HTTPStatusCode"]))
            return None
        metadata = reply.pop("ResponseMetadata", {})
        seen.append((metadata.get("HTTPStatusCode"), len(metadata.get("RequestId", ""))))  # JSON and XML alike
        return reply

    keep(dynamodb.put_item, TableName=NAME, Item={**KEY, "title": {"S": f"Visit {run}"}})
    seen.append(keep(dynamodb.get_item, TableName=NAME, Key=KEY))
    seen.append(keep(dynamodb.query, TableName=NAME, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "V#1"}}))
    keep(dynamodb.get_item, TableName="no-such-table", Key=KEY)
    seen.append(keep(dynamodb.describe_table, TableName=NAME)["Table"]["KeySchema"])

    keep(s3.put_object, Bucket=BUCKET, Key=f"reports/{run}/summary.html", Body=b"<p>summary</p>")
    seen.append(keep(s3.get_object, Bucket=BUCKET, Key=f"reports/{run}/summary.html")["Body"].read())
    seen.append([o["Key"] for o in keep(s3.list_objects_v2, Bucket=BUCKET, Prefix=f"reports/{run}/")["Contents"]])
    keep(s3.get_object, Bucket=BUCKET, Key="missing")

    url = keep(sqs.create_queue, QueueName=f"dispatch-{run}")["QueueUrl"]
    keep(sqs.send_message, QueueUrl=url, MessageBody=json.dumps({"run": run}))
    seen.append([m["Body"] for m in keep(sqs.receive_message, QueueUrl=url)["Messages"]])
    keep(sqs.get_queue_attributes, QueueUrl=url + "-missing", AttributeNames=["All"])

    seen.append(keep(events.put_events, Entries=[{"EventBusName": BUS, "Source": "s", "DetailType": "d",
                                                  "Detail": "{}"}])["FailedEntryCount"])
    seen.append(keep(events.describe_event_bus, Name=BUS)["Name"])
    keep(events.describe_event_bus, Name="no-such-bus")

    seen.append(sorted(keep(ses.list_identities)["Identities"]))
    seen.append(bool(keep(sesv2.send_email, FromEmailAddress=TEST_ENV["MAIL_FROM"],
                          Destination={"ToAddresses": ["someone@example.org"]},
                          Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})["MessageId"]))
    return seen


def test_every_service_answers_as_through_moto_s_own_dispatch(aws, monkeypatch):
    dispatch.install()
    monkeypatch.setattr(BotocoreStubber, "process_request", dispatch.process_request)
    first, again = answers(1), answers(1)  # the second time from the handlers and names kept
    assert dispatch._handler_for.cache_info().hits > 0 and dispatch._method_names.cache_info().hits > 0
    monkeypatch.setattr(BotocoreStubber, "process_request", dispatch._originals["process_request"])
    monkeypatch.setattr(responses, "method_names_from_class", dispatch._originals["method_names_from_class"])
    monkeypatch.setattr(responses.BaseResponse, "_enrich_response", dispatch._originals["enrich_response"])
    by_moto = answers(1)
    assert ("ResourceNotFoundException", "Requested resource not found", 400) in by_moto
    assert (200, 52) in by_moto and (200, 0) not in by_moto  # every answer has its request id
    assert first == by_moto
    assert again == by_moto


def test_method_names_are_moto_s_own():
    from moto.dynamodb.responses import DynamoHandler

    dispatch.install()
    assert responses.method_names_from_class(DynamoHandler) == dispatch._originals["method_names_from_class"](
        DynamoHandler)
    assert "get_item" in responses.method_names_from_class(DynamoHandler)
