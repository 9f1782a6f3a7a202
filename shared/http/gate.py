"""What is refused before the resolver reads a request, each check from the one declaration of routes:
who may call the route (401/403 whatever the body), the body's size (413), its media type (415), and
a JSON body that is not an object or not safe to read (422)."""
from __future__ import annotations

import base64
import binascii

from shared.auth import caller_from_claims
from shared.errors import Forbidden, Invalid, Unauthorized, UnsupportedMediaType
from shared.http.responses import proxy_answer, refusal
from shared.models import safe_json
from shared.topology import ROUTES, Route

ROUTE_OF = {(route.method, route.path): route for route in ROUTES}
FORM = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 64 * 1024


def route_of(event: dict) -> Route | None:
    return ROUTE_OF.get((event.get("httpMethod"), event.get("resource")))


def refused(event: dict) -> dict | None:
    """The answer refusing the request, or None to let the resolver have it. A raw-body route (a file)
    is checked for access and size only: its handler checks the file's type itself."""
    route = route_of(event)
    if route is not None and route.body == "raw":
        return _not_allowed(event, route) or _too_large(event, route)
    return (_not_allowed(event, route) or _too_large(event, route) or _as_json(event, route)
            or _not_an_object(event) or _unsafe(event))


def _not_allowed(event: dict, route: Route | None) -> dict | None:
    """Who may call a route, from the one declaration, before its body is read: a member who may
    not call a coordinators' route hears 403 whatever the body (not a 422 about the body)."""
    if route is None or route.access == "public":
        return None
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims) if claims else None
    if caller is None:
        return refusal(Unauthorized("sign in first: no bearer token"))
    if route.access == "coordinator" and not caller.is_coordinator:
        return refusal(Forbidden("only the programme's coordinators may do this"))
    return None


def _too_large(event: dict, route: Route | None) -> dict | None:
    """413 before anything reads the body (validation would otherwise answer 422 first)."""
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
    return proxy_answer(413, {"message": f"the body is larger than {what}"})


def _as_json(event: dict, route: Route | None) -> dict | None:
    """Bodies are JSON: any JSON type (application/merge-patch+json too) is read as JSON; another
    declared type with a body, or a form type (which Powertools would parse as a form), is a 415,
    except a form sent to a route that takes forms (a visitor's link page)."""
    names = [name for name in event.get("headers") or {} if name.lower() == "content-type"]
    media = (next((event["headers"][name] for name in names), None) or "").split(";")[0].strip().lower()
    if not media:
        return None
    if media == FORM and route is not None and route.forms:
        return None
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        for name in names:
            event["headers"][name] = "application/json"
        for name, values in (event.get("multiValueHeaders") or {}).items():
            if name.lower() == "content-type":
                event["multiValueHeaders"][name] = ["application/json" for _ in values]
        return None
    if event.get("body") or media.startswith("multipart/") or media == FORM:
        return refusal(UnsupportedMediaType())
    return None


def _not_an_object(event: dict) -> dict | None:
    """Every body is a JSON object: an array is a 422 here, since Powertools would validate its first item."""
    body = event.get("body")
    if event.get("isBase64Encoded") or not isinstance(body, str) or not body.lstrip().startswith("["):
        return None
    return refusal(Invalid({"body": "must be a JSON object"}))


def _unsafe(event: dict) -> dict | None:
    """Non-finite or huge numbers, deep nesting and control characters: 422 before any model reads them."""
    body = event.get("body")
    if event.get("isBase64Encoded") or not isinstance(body, str) or body.lstrip()[:1] not in ("{", "["):
        return None
    found = safe_json.problems(body)
    return refusal(Invalid(found)) if found else None
