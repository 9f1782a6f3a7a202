"""Endpoints kept per client, operation and the call's values (local/endpoints.py): botocore's own answer."""
from __future__ import annotations

import boto3
import pytest
from botocore.context import get_context, start_as_current_context
from botocore.regions import EndpointRulesetResolver

from local import endpoints

endpoints.install()
BOTOCORE_S = endpoints._originals["construct_endpoint"]

CALLS = [  # (service, operation, the call's values)
    ("dynamodb", "GetItem", {"TableName": "peer-learning", "Key": {"pk": {"S": "A"}}}),
    ("dynamodb", "GetItem", {"TableName": "arn:aws:dynamodb:eu-west-2:123456789012:table/other", "Key": {}}),
    ("dynamodb", "Query", {"TableName": "peer-learning"}),
    ("dynamodb", "BatchGetItem", {"RequestItems": {"peer-learning": {"Keys": []}, "other": {"Keys": []}}}),
    ("dynamodb", "TransactWriteItems", {"TransactItems": []}),
    ("dynamodbstreams", "GetRecords", {"ShardIterator": "iterator-1"}),
    ("dynamodbstreams", "GetRecords", {"ShardIterator": "iterator-2"}),
    ("sqs", "ReceiveMessage", {"QueueUrl": "https://sqs.eu-west-2.amazonaws.com/123456789012/intake-events"}),
    ("events", "PutEvents", {"Entries": [], "EndpointId": "abc.def"}),
    ("events", "PutEvents", {"Entries": []}),
    ("sesv2", "SendEmail", {"Content": {}}),
    ("s3", "GetObject", {"Bucket": "documents", "Key": "a"}),
]


def _resolve(client, operation: str, values: dict):
    model = client.meta.service_model.operation_model(operation)
    with start_as_current_context():
        endpoint = client._ruleset_resolver.construct_endpoint(model, values, {})
        return endpoint, get_context().features  # what the user agent will name


@pytest.mark.parametrize("region", ["eu-west-2", "us-east-1"])
def test_each_call_s_endpoint_is_botocore_s_the_first_time_and_after(region, monkeypatch):
    clients = {service: boto3.client(service, region_name=region, aws_access_key_id="testing",
                                     aws_secret_access_key="testing")
               for service in {call[0] for call in CALLS}}
    ours = [_resolve(clients[service], operation, values) for _ in range(2) for service, operation, values in CALLS]
    monkeypatch.setattr(EndpointRulesetResolver, "construct_endpoint", BOTOCORE_S)
    botocore_s = [_resolve(clients[service], operation, values)
                  for _ in range(2) for service, operation, values in CALLS]
    assert ours == botocore_s
    assert ours[0][1] and ours[len(CALLS)][1] == ours[0][1]  # DynamoDB's account-id endpoint mode, noted again
    assert {endpoint.url for endpoint, _ in ours} >= {f"https://dynamodb.{region}.amazonaws.com",
                                                      f"https://sqs.{region}.amazonaws.com"}
    assert getattr(clients["dynamodb"]._ruleset_resolver, endpoints._ATTRIBUTE)  # kept for the next call
    assert not hasattr(clients["s3"]._ruleset_resolver, endpoints._ATTRIBUTE)  # S3 has its own handlers


def test_a_handler_registered_for_the_endpoint_is_heard_at_every_call():
    client = boto3.client("dynamodb", region_name="eu-west-2", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    values = {"TableName": "peer-learning", "Key": {}}
    before, _ = _resolve(client, "GetItem", values)

    def fips(builtins, **_):
        builtins["AWS::UseFIPS"] = True

    client.meta.events.register("before-endpoint-resolution.dynamodb", fips)
    after, _ = _resolve(client, "GetItem", values)

    assert before.url == "https://dynamodb.eu-west-2.amazonaws.com"
    assert after.url == "https://dynamodb-fips.eu-west-2.amazonaws.com"
