"""The Powertools resolver every API function uses, and `handle`: the gate, the resolver, a last-resort
answer for what nothing else caught, and the coordinators' audit trail."""
from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from botocore.exceptions import ClientError

from shared.adapters import faults
from shared.auth import caller_from_claims
from shared.errors import BadRequest, Invalid, ProgrammeError, UnsupportedMediaType
from shared.http import gate
from shared.http.responses import error_response, json_response, proxy_answer
from shared.models.parsing import invalid_fields
from shared.observability import logger

AUDIT_ROUTE = "/audit"


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


def handle(app: APIGatewayRestResolver, event: dict, context: Any) -> dict:
    """Resolve, turning anything unexpected into a JSON 500 (and a log line) rather than a bare crash."""
    refused = gate.refused(event)
    if refused:
        return refused
    try:
        answer = app.resolve(event, context)
    except ClientError as error:
        if not faults.transient(error):
            logger.exception("unhandled error")
            answer = proxy_answer(500, {"message": "internal error"})
        else:
            # AWS kept refusing after the adapters' retries (throttling, conflicting transactions): the
            # same request may simply be sent again (every write is conditional, a retry changes nothing twice).
            logger.warning("transient AWS failure outlasted the retries",
                           extra={"code": error.response["Error"]["Code"]})
            answer = proxy_answer(503, {"message": "busy: please try again in a moment"}, {"Retry-After": "1"})
    except Exception:  # noqa: BLE001 - the last line of defence of an API function
        logger.exception("unhandled error")
        answer = proxy_answer(500, {"message": "internal error"})
    _audit(event, answer)
    return answer


def _audit(event: dict, answer: dict) -> None:
    """Every coordinator's request goes into the audit trail (reading it excepted). A failure to
    record is logged, never turned into a failure of what was already done."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims) if claims else None
    if caller is None or not caller.is_coordinator or event.get("resource") == AUDIT_ROUTE:
        return
    from shared.services import audit  # only a coordinator's request needs the audit trail's store
    from shared.store import stores

    try:
        audit.record(stores(), caller, event, int(answer.get("statusCode") or 0))
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("could not record the coordinator's request in the audit trail")
