"""Builders of the events Lambda receives, shared by the tests."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

COORDINATOR = {"email": "coordinator@centre.example", "name": "Coordinator", "cognito:groups": "coordinators"}


def member(email: str, organisation: str) -> dict:
    return {"email": email, "name": email.split("@")[0], "custom:organisation": organisation}


@dataclass
class Context:
    function_name: str = "test"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:test"
    aws_request_id: str = "request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(method: str, path: str, resource: str, body: Any = None, *, claims: dict | None = None,
              path_parameters: dict | None = None, headers: dict | None = None, raw_body: str | None = None,
              query: dict | None = None) -> dict:
    """A REST API Gateway proxy event, as API Gateway builds it (claims from the Cognito authorizer)."""
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": resource, "path": path, "httpMethod": method, "body": text, "isBase64Encoded": False,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_parameters,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "test", "requestId": uuid.uuid4().hex,
                           "identity": {"sourceIp": "127.0.0.1"},
                           "authorizer": {"claims": claims} if claims else None},
    }


def call(handler, method: str, path: str, resource: str, body: Any = None, **kwargs) -> tuple[int, Any]:
    """Invoke an API handler; (status, parsed JSON body or text)."""
    answer = handler(api_event(method, path, resource, body, **kwargs), Context())
    text = answer.get("body") or ""
    try:
        return answer["statusCode"], json.loads(text) if text else None
    except ValueError:
        return answer["statusCode"], text


def sqs_event(*envelopes: dict) -> dict:
    """An SQS batch whose messages are EventBridge envelopes (as a rule delivers them)."""
    return {"Records": [{
        "messageId": uuid.uuid4().hex, "receiptHandle": uuid.uuid4().hex, "body": json.dumps(envelope),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:queue",
        "awsRegion": "eu-west-2"} for envelope in envelopes]}


def envelope(detail_type: str, detail: dict) -> dict:
    return {"version": "0", "id": uuid.uuid4().hex, "detail-type": detail_type, "source": "peer-learning-visits",
            "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "eu-west-2", "resources": [],
            "detail": detail}
