"""Tiny handlers for tests/local/stub_topology.py: they write what they saw into the table."""
from __future__ import annotations

import base64
import json
import uuid

import boto3
from boto3.dynamodb.conditions import Key

from shared import clock
from shared.settings import settings


def _table():
    return boto3.resource("dynamodb").Table(settings().table_name)


def _answer(status: int, body, headers: dict | None = None) -> dict:
    # As the Powertools REST resolver answers: multiValueHeaders.
    return {"statusCode": status, "body": json.dumps(body, default=str),
            "multiValueHeaders": {"Content-Type": ["application/json"], **(headers or {})}, "isBase64Encoded": False}


def _record(kind: str, key: str, **values) -> None:
    _table().put_item(Item={"pk": f"RECORD#{kind}", "sk": key, **values})


def _records(kind: str) -> list[dict]:
    items = _table().query(KeyConditionExpression=Key("pk").eq(f"RECORD#{kind}"))["Items"]
    return [{k: (int(v) if hasattr(v, "to_integral_value") else v) for k, v in i.items()} for i in items]


def api(event: dict, context) -> dict:
    route = (event["httpMethod"], event["resource"])
    params = event.get("pathParameters") or {}
    if route == ("POST", "/things"):
        body = json.loads(event["body"] or "{}")
        thing_id = body.get("thing_id") or uuid.uuid4().hex
        detail = {"version": 1, "thing_id": thing_id, "colour": body.get("colour", "blue"),
                  "fail": bool(body.get("fail"))}
        _table().put_item(Item={"pk": f"THING#{thing_id}", "sk": "THING", **detail, **body.get("attributes", {}),
                                "event": {"id": uuid.uuid4().hex, "detail_type": "ThingCreated", "detail": detail}})
        return _answer(201, detail)
    if route == ("GET", "/things/{thing_id}"):
        item = _table().get_item(Key={"pk": f"THING#{params['thing_id']}", "sk": "THING"}).get("Item")
        return _answer(200, item) if item else _answer(404, {"message": "no such thing"})
    if route == ("GET", "/things/special"):
        return _answer(200, {"special": True})
    if route == ("GET", "/whoami"):
        return _answer(200, {"claims": event["requestContext"]["authorizer"]["claims"]})
    if route[1] == "/echo/{name}":
        return _answer(200, {"event": event, "context": {
            "function_name": context.function_name, "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn, "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis()}})
    if route == ("GET", "/binary"):
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream", "X-Single": "one"},
                "multiValueHeaders": {"X-Multi": ["a", "b"]},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if route == ("GET", "/boom"):
        raise RuntimeError("boom")
    if route == ("GET", "/records/{kind}"):
        return _answer(200, {"records": _records(params["kind"])})
    if route == ("GET", "/dead-letters/{function}"):
        sqs = boto3.client("sqs")
        name = "stream-failures-dlq" if params["function"] == "stream" else f"{params['function']}-events-dlq"
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        count = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return _answer(200, {"count": int(count["Attributes"]["ApproximateNumberOfMessages"])})
    return _answer(404, {"message": "stub has no such route"})


def consumer(event: dict, context) -> dict:
    """Records each event; a detail with `fail` fails its message (counted), partially."""
    failures = []
    for record in event["Records"]:
        envelope = json.loads(record["body"])
        detail = envelope["detail"]
        key = detail.get("thing_id") or detail.get("occurrence")
        if detail.get("fail"):
            _table().update_item(Key={"pk": "RECORD#failures", "sk": key}, UpdateExpression="ADD attempts :one",
                                 ExpressionAttributeValues={":one": 1})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        _record(context.function_name, f"{envelope['detail-type']}#{key}", detail_type=envelope["detail-type"],
                now=clock.iso(clock.now()), source_arn=record["eventSourceARN"],
                receive_count=record["attributes"]["ApproximateReceiveCount"])
    return {"batchItemFailures": failures}


def sweep(event: dict, context) -> dict:
    """Records the firing, and announces it (as the real sweep's timer removals are announced)."""
    occurrence = event["time"]
    _record("firings", occurrence, now=clock.iso(clock.now()), detail_type=event["detail-type"],
            source=event["source"], resources=event["resources"])
    _table().put_item(Item={"pk": f"SWEPT#{occurrence}", "sk": "SWEPT", "event": {
        "id": uuid.uuid4().hex, "detail_type": "Swept", "detail": {"version": 1, "occurrence": occurrence}}})
    return {"fired": 0}
