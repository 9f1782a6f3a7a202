"""Answers as JSON, and a `ProgrammeError` as its HTTP answer: the one place errors become HTTP."""
from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shared.errors import Invalid, ProgrammeError

JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(status: int, body: Any, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body, default=str),
                    headers=headers or {})


def error_response(error: ProgrammeError) -> Response:
    body: dict[str, Any] = {"message": error.message}
    if isinstance(error, Invalid):
        body["fields"] = error.fields
    return json_response(error.status, body)


def proxy_answer(status: int, body: Any, headers: dict | None = None) -> dict:
    """A Lambda proxy answer, for what is answered without the resolver."""
    return {"statusCode": status, "headers": {**JSON_HEADERS, **(headers or {})}, "isBase64Encoded": False,
            "body": json.dumps(body)}


def refusal(error: ProgrammeError) -> dict:
    """`error` as a Lambda proxy answer (a request refused before the resolver reads it)."""
    response = error_response(error)
    return {"statusCode": response.status_code, "headers": dict(JSON_HEADERS), "isBase64Encoded": False,
            "body": response.body}
