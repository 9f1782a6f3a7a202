"""Idempotent POSTs: an action run once per Idempotency-Key, with Powertools' idempotency over DynamoDB."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from shared import clock
from shared.errors import Conflict, Invalid
from shared.http.responses import json_response
from shared.settings import settings

if TYPE_CHECKING:
    from shared.store.answers import Remember

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


def idempotent(app: APIGatewayRestResolver, caller_key: str, action: Callable[[], tuple[int, Any]]) -> Response:
    """Run a POST's action once per Idempotency-Key (scoped to the caller and the route).

    A retry with the same key and body answers the first answer again; with another body, 422.
    A failed action stores nothing, so it may be retried.
    """
    key = _key(app)
    if not key:
        status, body = action()
        return json_response(status, body)
    request = _request(app, caller_key, key)
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


def answered_once(app: APIGatewayRestResolver, caller_key: str, status: int,
                  action: Callable[[Remember | None], dict]) -> Response:
    """`idempotent` for a POST whose answer is known before its one transaction is written (an accepted
    application): the answer is remembered by that transaction itself (shared/store/answers.py), so the
    first request makes no call more than without a key. A retry meets the change already made (a
    Conflict) and gets the remembered answer again; the same key with another body, 422.
    """
    key = _key(app)
    if not key:
        return json_response(status, action(None))
    from shared.store import answers  # with the first key: a cold start does not need the table adapter

    request = _request(app, caller_key, key)
    scope = json.dumps([request["caller"], request["route"], request["path"], key])
    remember = answers.Remember(
        record_id=answers.record_id(hashlib.sha256(scope.encode()).hexdigest()),
        body_hash=hashlib.sha256(request["body"].encode()).hexdigest(),
        expires_at=clock.now() + timedelta(seconds=IDEMPOTENCY_WINDOW_SECONDS), status=status)
    try:
        return json_response(status, action(remember))
    except Conflict:
        found = answers.remembered(remember.record_id)
        if found is None:
            raise
        if found.body_hash != remember.body_hash:
            raise Invalid({"Idempotency-Key": "this key was already used with a different body"}) from None
        return json_response(found.status, found.answer)


def _key(app: APIGatewayRestResolver) -> str | None:
    return app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get("idempotency-key")


def _request(app: APIGatewayRestResolver, caller_key: str, key: str) -> dict:
    """What a key is scoped to (the caller, the route, the path) and the body it was first sent with."""
    event = app.current_event
    route = f"{event.http_method} {event.raw_event.get('resource') or event.path}"
    return {"key": key, "caller": caller_key, "route": route, "path": event.path, "body": event.body or ""}


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
