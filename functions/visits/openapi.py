"""The OpenAPI document of every route of every API function, and a Swagger UI page.

Powertools documents each route's parameters, body and success answer; who may call it (the
bearer scheme), the Idempotency-Key header and the errors it can answer are added here from the
topology, so the document says what the API does.
"""

import json
from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParameter
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.domain.material import BINARY_MEDIA_TYPES
from shared.http import make_resolver
from shared.http.documented import COMPONENT, referenced
from shared.topology import ROUTES

router = APIGatewayRouter()

# Each API function keeps its routes in functions/<name>/routes.py (and links.py for visits).
# The console function serves HTML pages for browsers, not the API: it is not in the document.
PAGE_FUNCTIONS = {"console"}
ROUTE_MODULES = ("functions.visits.links",) + tuple(
    f"functions.{name}.routes" for name in dict.fromkeys(r.function for r in ROUTES) if name not in PAGE_FUNCTIONS)

BEARER = "bearer"
BEARER_DESCRIPTION = "A Cognito ID token of the programme's user pool (locally: POST /_local/token)."

# Public routes that verify a bearer token when one is given (and then show more).
OPTIONAL_SIGN_IN = {("GET", "/visits"), ("GET", "/visits/{visit_id}")}
# POSTs performed once per Idempotency-Key (every signed-in POST; an email link is itself single-purpose).
NOT_IDEMPOTENT = {("POST", "/links/{token}")}

ERROR_SCHEMA = {
    "type": "object", "required": ["message"],
    "properties": {"message": {"type": "string"},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"},
                              "description": "each offending field and why (422 only)"}},
}
ERRORS = {
    400: "The body is not JSON (or not UTF-8 text)",
    401: "No bearer token, or one that is not valid",
    403: "Signed in but not allowed",
    404: "Unknown id (or nothing there yet)",
    409: "In conflict with the current state",
    413: "The body is too large",
    415: "A body that is not JSON (Content-Type application/json, or another JSON type); for a file, a type not accepted",
    422: "A body that does not validate (each offending field named), or an Idempotency-Key reused with another body",
    429: "Throttled",
}
ERROR = {"schema": {"$ref": "#/components/schemas/Error"}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "A retry with the same key (per caller and route) gets the first answer again and changes "
                   "nothing more; the same key with another body is a 422.",
}
POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")

# Swagger UI's own files, served from the swagger-ui-py package beside the page (no CDN): the page works
# offline. Relative URLs, so that the page works under an API stage's path prefix too.
SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Peer learning visits API</title>
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><main id="swagger-ui"></main>
<script src="docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""
SWAGGER_FILES = {"swagger-ui.css": "text/css; charset=utf-8",
                 "swagger-ui-bundle.js": "text/javascript; charset=utf-8"}


@lru_cache(maxsize=1)
def document() -> str:
    # The OpenAPI models are imported when the document is first asked for, not at cold start.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    everything = make_resolver()
    for module in ROUTE_MODULES:
        if module != __name__:
            everything.include_router(import_module(module).router)
    generated = json.loads(everything.get_openapi_json_schema(
        title="Peer learning visits API", version="1.0.0",
        description="Visits, applications, allocation, reminders and reports of the peer learning visits programme.",
        security_schemes={BEARER: HTTPBearer(bearerFormat="JWT", description=BEARER_DESCRIPTION)}))
    return json.dumps(_with_access_and_errors(_with_answers(generated)))


def _with_answers(doc: dict) -> dict:
    """The answer models the routes name (shared/http/documented.py), as the document's components."""
    from pydantic.json_schema import models_json_schema

    from shared.models import responses

    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    named = sorted(referenced(doc) - set(schemas))
    _, definitions = models_json_schema([(getattr(responses, name), "serialization") for name in named],
                                        ref_template=COMPONENT)
    for name, definition in definitions.get("$defs", {}).items():
        for field in definition.get("properties", {}).values():
            # An answer's field left out when empty has no default worth stating, and a null one would
            # contradict its type (Powertools' own components leave it out too).
            if "default" in field and field["default"] is None:
                del field["default"]
        schemas.setdefault(name, definition)
    return doc


def _with_access_and_errors(doc: dict) -> dict:
    """Each operation's security, Idempotency-Key header and error answers, from the topology."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for route in ROUTES:
        operation = doc["paths"].get(route.path, {}).get(route.method.lower())
        if operation is None:
            continue  # /openapi.json and /docs are not in the document
        key = (route.method, route.path)
        if route.access != "public":
            operation["security"] = [{BEARER: []}]
        elif key in OPTIONAL_SIGN_IN:
            operation["security"] = [{}, {BEARER: []}]
        else:
            operation["security"] = []
        writes = route.method in ("POST", "PATCH", "PUT", "DELETE")
        if route.body == "raw":
            operation["requestBody"] = {"required": True, "description": f"the file itself, at most "
                                        f"{route.max_body_bytes // (1024 * 1024)} MB",
                                        "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                    for media in (*BINARY_MEDIA_TYPES, "text/plain", "text/markdown")}}
        if route.method == "POST" and key not in NOT_IDEMPOTENT:
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        has_body, has_id = "requestBody" in operation, "{" in route.path
        statuses = {
            400: has_body,
            401: route.access != "public" or key in OPTIONAL_SIGN_IN,
            403: route.access == "coordinator" or (route.access == "member" and has_id),
            404: has_id,
            409: writes or route.path.startswith("/links/"),  # an expired link
            413: has_body,
            415: has_body,
            # a body that does not validate, or a query parameter out of range (e.g. GET /audit?limit=0)
            422: writes or any(p.get("in") == "query" for p in operation.get("parameters", [])),
            429: True,
        }
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)  # Powertools' own validation error shape, which this API does not answer
        for status, declared in statuses.items():
            if declared:
                responses[str(status)] = {"description": ERRORS[status], "content": {"application/json": ERROR}}
        operation["responses"] = dict(sorted(responses.items()))
    text = json.dumps(doc["paths"])
    for name in POWERTOOLS_ERROR_SCHEMAS:
        if f"#/components/schemas/{name}\"" not in text:
            schemas.pop(name, None)
    return doc


@router.get("/openapi.json", include_in_schema=False)
def openapi():
    return Response(status_code=200, content_type="application/json", body=document())


@router.get("/docs", include_in_schema=False)
def swagger():
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=SWAGGER_PAGE)


@router.get("/docs/<file>", include_in_schema=False)
def swagger_file(file: Annotated[str, PathParameter()]):
    if file not in SWAGGER_FILES:
        return Response(status_code=404, content_type="application/json", body=json.dumps({"message": "no such file"}))
    return Response(status_code=200, content_type=SWAGGER_FILES[file], body=_swagger_file(file),
                    headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=len(SWAGGER_FILES))
def _swagger_file(name: str) -> str:
    # The package's directory, found without importing it (its Python code is not needed, only its files).
    spec = find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return (Path(next(iter(spec.submodule_search_locations))) / "static" / name).read_text(encoding="utf-8")
