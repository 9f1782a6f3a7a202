"""What a route reads of its request beyond its typed parameters: who is calling, the raw body."""
from __future__ import annotations

import base64
import binascii

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from shared.auth import Caller, caller_from_claims, verify_token
from shared.errors import BadRequest, Forbidden, Unauthorized


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
