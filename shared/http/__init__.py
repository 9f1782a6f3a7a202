"""What every API function shares, one job per module:

- `responses`: answers and errors as JSON (one error type mapped to HTTP in one place);
- `request`: what a route reads of its request: who is calling, the raw body;
- `idempotency`: a POST run once per Idempotency-Key;
- `gate`: what is refused before the resolver reads a request (access, size, media type, unsafe JSON);
- `resolver`: the Powertools resolver, and `handle`: gate, resolve, last-resort 500/503, audit trail.

Routes import what they use from here.
"""
from shared.http.idempotency import answered_once, idempotent
from shared.http.request import current_caller, raw_body, require_caller, require_coordinator
from shared.http.resolver import handle, make_resolver
from shared.http.responses import error_response, json_response

__all__ = ["answered_once", "current_caller", "error_response", "handle", "idempotent", "json_response",
           "make_resolver", "raw_body", "require_caller", "require_coordinator"]
