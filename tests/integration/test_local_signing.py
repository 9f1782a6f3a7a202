"""The local stack's request signing (local/signing.py): the same answers, the same headers but the signature."""
from __future__ import annotations

import json

import boto3
from botocore.auth import SigV4Auth
from botocore.exceptions import ClientError

from local import in_process, signing
from tests.conftest import TEST_ENV

NAME, BUS = TEST_ENV["TABLE_NAME"], TEST_ENV["EVENT_BUS_NAME"]
KEY = {"pk": {"S": "V#1"}, "sk": {"S": "VISIT"}}


def signed_calls() -> tuple[list, list[dict]]:
    """Answers (request ids left out) and the signed headers of calls to each plain-SigV4 service."""
    headers: list[dict] = []
    clients = [boto3.client(name) for name in ("dynamodb", "sqs", "events", "sesv2", "dynamodbstreams")]
    for client in clients:
        client.meta.events.register_last("request-created", lambda request, **_: headers.append(dict(request.headers)))
    dynamodb, sqs, events, sesv2, streams = clients
    seen: list = []

    def keep(call, **kwargs):
        try:
            reply = call(**kwargs)
        except ClientError as error:
            seen.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
            return None
        reply.pop("ResponseMetadata", None)
        seen.append(reply)
        return reply

    keep(dynamodb.put_item, TableName=NAME, Item={**KEY, "title": {"S": "Visit"}})
    keep(dynamodb.get_item, TableName=NAME, Key=KEY)
    keep(dynamodb.get_item, TableName="no-such-table", Key=KEY)
    arn = dynamodb.describe_table(TableName=NAME)["Table"]["LatestStreamArn"]
    seen.append(streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"])
    url = sqs.create_queue(QueueName="signing")["QueueUrl"]
    seen.append(url)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"a": 1}))
    seen.append([m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]])
    sqs.delete_queue(QueueUrl=url)
    keep(events.describe_event_bus, Name=BUS)
    seen.append(bool(sesv2.send_email(FromEmailAddress=TEST_ENV["MAIL_FROM"],
                                      Destination={"ToAddresses": ["someone@example.org"]},
                                      Content={"Simple": {"Subject": {"Data": "s"},
                                                          "Body": {"Text": {"Data": "b"}}}})["MessageId"]))
    return seen, headers


def test_answers_and_headers_are_botocore_s_but_the_signature(aws, monkeypatch):
    signing.install()
    assert signing.moto_ignores_signatures()
    with in_process.over_http():  # calls answered in-process are never signed: these take the road signing serves
        answers, headers = signed_calls()
        monkeypatch.setattr(SigV4Auth, "add_auth", SigV4Auth.add_auth.__wrapped__)
        real_answers, real_headers = signed_calls()

    assert answers == real_answers
    assert len(headers) == len(real_headers) >= 10
    for ours, botocores in zip(headers, real_headers, strict=True):
        assert ours.keys() == botocores.keys()
        credential, signed, signature = ours["Authorization"].split(", ")
        assert [credential, signed] == botocores["Authorization"].split(", ")[:2]
        assert signature == "Signature=" + signing.UNCHECKED_SIGNATURE != botocores["Authorization"].split(", ")[2]
        assert ours["X-Amz-Security-Token"] == botocores["X-Amz-Security-Token"] == TEST_ENV["AWS_SESSION_TOKEN"]


def test_without_moto_s_mock_requests_are_signed_as_botocore_signs_them(monkeypatch):
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from moto.core.models import botocore_stubber

    signing.install()
    monkeypatch.setattr(botocore_stubber, "enabled", False)  # as when no mock is started
    assert not signing.moto_ignores_signatures()
    request = AWSRequest(method="POST", url="https://dynamodb.eu-west-2.amazonaws.com/", data=b"{}",
                         headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"})
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "dynamodb", "eu-west-2").add_auth(request)
    assert signing.UNCHECKED_SIGNATURE not in request.headers["Authorization"]
