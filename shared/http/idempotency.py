"""Idempotent POSTs: an action run once per Idempotency-Key, with Powertools' idempotency over DynamoDB."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from shared.errors import Conflict, Invalid
from shared.http.responses import json_response
from shared.settings import settings

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


def idempotent(app: APIGatewayRestResolver, caller_key: str, action: Callable[[], tuple[int, Any]]) -> Response:
    """Run a POST's action once per Idempotency-Key (scoped to the caller and the route).

    A retry with the same key and body answers the first answer again; with another body, 422.
    A failed action stores nothing, so it may be retried.
    """
    key = app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get("idempotency-key")
    if not key:
        status, body = action()
        return json_response(status, body)
    request = {
        "key": key, "caller": caller_key,
        "route": f"{app.current_event.http_method} {app.current_event.raw_event.get('resource') or app.current_event.path}",
        "path": app.current_event.path, "body": app.current_event.body or "",
    }
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    run, config = _runner()
    config.register_lambda_context(app.lambda_context)
    try:
        answer = run(request=request, action=action)
    except IdempotencyValidationError as error:
        raise Invalid({"Idempotency-Key": "this key was already used with a different body"}) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict("a request with this Idempotency-Key is still in progress") from error
    return json_response(answer["status"], answer["body"])


@lru_cache(maxsize=1)
def _runner() -> tuple[Callable[..., dict], Any]:
    # Imported on the first request that carries an Idempotency-Key, not at every cold start.
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table_name)
    config = IdempotencyConfig(event_key_jmespath="[caller, route, path, key]", payload_validation_jmespath="body",
                               expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def run(request: dict, action: Callable[[], tuple[int, Any]]) -> dict:
        status, body = action()
        return {"status": status, "body": json.loads(json.dumps(body, default=str))}

    return run, config
