"""What every API function shares: the resolver, who is calling, errors as JSON, idempotent POSTs."""
from __future__ import annotations

import base64
import binascii
import json
import os
from functools import lru_cache
from typing import Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from botocore.exceptions import ClientError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from shared.adapters import faults
from shared.auth import Caller, caller_from_claims, verify_token
from shared.errors import BadRequest, Conflict, Forbidden, Invalid, ProgrammeError, Unauthorized, UnsupportedMediaType
from shared.models import safe_json
from shared.models.parsing import invalid_fields
from shared.observability import logger
from shared.services import audit
from shared.settings import settings
from shared.topology import ROUTES

ROUTE_ACCESS = {(route.method, route.path): route.access for route in ROUTES}
FORM_ROUTES = {(route.method, route.path) for route in ROUTES if route.forms}
FORM = "application/x-www-form-urlencoded"
ROUTE_OF = {(route.method, route.path): route for route in ROUTES}

MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


def json_response(status: int, body: Any, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body, default=str),
                    headers=headers or {})


def error_response(error: ProgrammeError) -> Response:
    body: dict[str, Any] = {"message": error.message}
    if isinstance(error, Invalid):
        body["fields"] = error.fields
    return json_response(error.status, body)


def cors_config() -> CORSConfig | None:
    """Browser origins that may read the API's answers: `CORS_ORIGINS` (comma-separated, set by
    the CDK app from the context `cors_origins`; API Gateway answers the preflight). Unset or
    empty: no CORS headers at all."""
    origins = [origin.strip() for origin in os.environ.get("CORS_ORIGINS", "").split(",") if origin.strip()]
    if not origins:
        return None
    return CORSConfig(allow_origin=origins[0], extra_origins=origins[1:],
                      allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept"], max_age=3600)


def make_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error_response(BadRequest("the body is not valid JSON"))
        return error_response(Invalid(invalid_fields(problems)))

    @app.exception_handler(ProgrammeError)
    def _programme(error: ProgrammeError) -> Response:
        return error_response(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return error_response(UnsupportedMediaType())

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable(_: UnicodeDecodeError) -> Response:
        return error_response(BadRequest("the body is not UTF-8 text"))

    @app.not_found
    def _unknown(_: Exception) -> Response:
        return json_response(404, {"message": "no such resource"})

    return app


def current_caller(app: APIGatewayRestResolver) -> Caller | None:
    """Claims the authorizer verified, or (on public routes) a bearer token verified here."""
    request_context = app.current_event.raw_event.get("requestContext") or {}
    claims = (request_context.get("authorizer") or {}).get("claims")
    if claims:
        return caller_from_claims(claims)
    header = app.current_event.headers.get("Authorization") or app.current_event.headers.get("authorization")
    if not header:
        return None
    import jwt  # only a public route given a token verifies it (see shared.auth)

    token = header.removeprefix("Bearer ").strip()
    try:
        return caller_from_claims(verify_token(token))
    except jwt.InvalidTokenError as error:
        raise Unauthorized("the bearer token is not valid") from error


def require_caller(app: APIGatewayRestResolver) -> Caller:
    caller = current_caller(app)
    if caller is None:
        raise Unauthorized("sign in first: no bearer token")
    return caller


def require_coordinator(app: APIGatewayRestResolver) -> Caller:
    caller = require_caller(app)
    if not caller.is_coordinator:
        raise Forbidden("only the programme's coordinators may do this")
    return caller


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

    run, config = _idempotent_runner()
    config.register_lambda_context(app.lambda_context)
    try:
        answer = run(request=request, action=action)
    except IdempotencyValidationError as error:
        raise Invalid({"Idempotency-Key": "this key was already used with a different body"}) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict("a request with this Idempotency-Key is still in progress") from error
    return json_response(answer["status"], answer["body"])


@lru_cache(maxsize=1)
def _idempotent_runner() -> tuple[Callable[..., dict], Any]:
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


def raw_body(app: APIGatewayRestResolver) -> bytes:
    """The request body as sent (a file on a raw-body route): base64 decoded when API Gateway encoded it."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest("the body is not valid base64") from error
    return body.encode("utf-8", "surrogateescape")


def _route(event: dict):
    return ROUTE_OF.get((event.get("httpMethod"), event.get("resource")))


def _too_large(event: dict) -> dict | None:
    """413 before anything reads the body (validation would otherwise answer 422 first)."""
    route = _route(event)
    limit = route.max_body_bytes if route else MAX_BODY_BYTES
    body = event.get("body") or ""
    size = len(body.encode("utf-8", "surrogatepass"))
    if event.get("isBase64Encoded"):
        try:
            size = len(base64.b64decode(body))
        except (binascii.Error, ValueError):
            pass
    if size <= limit:
        return None
    what = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return {"statusCode": 413, "headers": {"Content-Type": "application/json"}, "isBase64Encoded": False,
            "body": json.dumps({"message": f"the body is larger than {what}"})}


def _as_json(event: dict) -> dict | None:
    """Bodies are JSON: any JSON type (application/merge-patch+json too) is read as JSON; another
    declared type with a body, or a form type (which Powertools would parse as a form), is a 415,
    except a form sent to a route that takes forms (a visitor's link page)."""
    names = [name for name in event.get("headers") or {} if name.lower() == "content-type"]
    media = (next((event["headers"][name] for name in names), None) or "").split(";")[0].strip().lower()
    if not media:
        return None
    if media == FORM and (event.get("httpMethod"), event.get("resource")) in FORM_ROUTES:
        return None
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        for name in names:
            event["headers"][name] = "application/json"
        for name, values in (event.get("multiValueHeaders") or {}).items():
            if name.lower() == "content-type":
                event["multiValueHeaders"][name] = ["application/json" for _ in values]
        return None
    if event.get("body") or media.startswith("multipart/") or media == "application/x-www-form-urlencoded":
        return _refusal(UnsupportedMediaType())
    return None


def _not_an_object(event: dict) -> dict | None:
    """Every body is a JSON object: an array is a 422 here, since Powertools would validate its first item."""
    body = event.get("body")
    if event.get("isBase64Encoded") or not isinstance(body, str) or not body.lstrip().startswith("["):
        return None
    return _refusal(Invalid({"body": "must be a JSON object"}))


def _unsafe(event: dict) -> dict | None:
    """Non-finite or huge numbers, deep nesting and control characters: 422 before any model reads them."""
    body = event.get("body")
    if event.get("isBase64Encoded") or not isinstance(body, str) or body.lstrip()[:1] not in ("{", "["):
        return None
    found = safe_json.problems(body)
    return _refusal(Invalid(found)) if found else None


def _not_allowed(event: dict) -> dict | None:
    """Who may call a route, from the one declaration, before its body is read: a member who may
    not call a coordinators' route hears 403 whatever the body (not a 422 about the body)."""
    route = ROUTE_ACCESS.get((event.get("httpMethod"), event.get("resource")))
    if route in (None, "public"):
        return None
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims) if claims else None
    if caller is None:
        return _refusal(Unauthorized("sign in first: no bearer token"))
    if route == "coordinator" and not caller.is_coordinator:
        return _refusal(Forbidden("only the programme's coordinators may do this"))
    return None


def _refusal(error: ProgrammeError) -> dict:
    response = error_response(error)
    return {"statusCode": response.status_code, "headers": {"Content-Type": "application/json"},
            "isBase64Encoded": False, "body": response.body}


AUDIT_ROUTE = "/audit"


def handle(app: APIGatewayRestResolver, event: dict, context: Any) -> dict:
    """Resolve, turning anything unexpected into a JSON 500 (and a log line) rather than a bare crash."""
    route = _route(event)
    if route is not None and route.body == "raw":
        refused = _not_allowed(event) or _too_large(event)  # the handler checks the file's type itself
    else:
        refused = (_not_allowed(event) or _too_large(event) or _as_json(event) or _not_an_object(event)
                   or _unsafe(event))
    if refused:
        return refused
    try:
        answer = app.resolve(event, context)
    except ClientError as error:
        if not faults.transient(error):
            logger.exception("unhandled error")
            answer = {"statusCode": 500, "headers": {"Content-Type": "application/json"},
                      "body": json.dumps({"message": "internal error"}), "isBase64Encoded": False}
        else:
            # AWS kept refusing after the adapters' retries (throttling, conflicting transactions): the
            # same request may simply be sent again (every write is conditional, a retry changes nothing twice).
            logger.warning("transient AWS failure outlasted the retries",
                           extra={"code": error.response["Error"]["Code"]})
            answer = {"statusCode": 503, "headers": {"Content-Type": "application/json", "Retry-After": "1"},
                      "body": json.dumps({"message": "busy: please try again in a moment"}),
                      "isBase64Encoded": False}
    except Exception:  # noqa: BLE001 - the last line of defence of an API function
        logger.exception("unhandled error")
        answer = {"statusCode": 500, "headers": {"Content-Type": "application/json"},
                  "body": json.dumps({"message": "internal error"}), "isBase64Encoded": False}
    _audit(event, answer)
    return answer


def _audit(event: dict, answer: dict) -> None:
    """Every coordinator's request goes into the audit trail (reading it excepted). A failure to
    record is logged, never turned into a failure of what was already done."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims) if claims else None
    if caller is None or not caller.is_coordinator or event.get("resource") == AUDIT_ROUTE:
        return
    try:
        audit.record(caller, event, int(answer.get("statusCode") or 0))
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("could not record the coordinator's request in the audit trail")
