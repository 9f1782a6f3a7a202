"""moto's request dispatch, without redoing per call what depends only on the URL or the class.

Every AWS call the local stack makes goes through moto 5.2.5's `BotocoreStubber.process_request`,
which tries the URL against the URL patterns of every service moto knows, rebuilds the matching
backend's table of URL handlers, compiles each and matches it; the handler then lists the names
of its response class's methods with `inspect.getmembers` (~200 members) to see whether the action
is one. Together ~15% of a small call's time (a GetItem, a Query of a small partition) in a process
where the services, their URLs and the response classes never change. Here:

- the handler found for a URL is kept (bounded; the local stack calls a handful of URLs, S3's
  carry the object key); when moto's configuration names services to pass through or a service
  whitelist, moto's own lookup runs, as it does for a URL no service claims;
- a response class's method names are listed once per class;
- the request id is written into a response body only if it has a `<RequestId>` element (moto runs
  a look-behind regular expression over every body, JSON ones too: ~2 ms for a stream's records).

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_originals: dict[str, Any] = {}


def install() -> None:
    from moto.core import responses, utils
    from moto.core.botocore_stubber import BotocoreStubber

    if _originals:
        return
    _originals.update(process_request=BotocoreStubber.process_request,
                      method_names_from_class=responses.method_names_from_class,
                      enrich_response=responses.BaseResponse.__dict__["_enrich_response"])
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    responses.method_names_from_class = _method_names
    responses.BaseResponse._enrich_response = staticmethod(_enrich_response)  # type: ignore[method-assign]
    del utils  # moto.core.utils keeps its own (nothing in moto calls it but responses.py)


@lru_cache(maxsize=None)
def _method_names(clazz: object) -> list[str]:
    """moto.core.utils.method_names_from_class, once per class (moto's response classes are not
    changed once loaded). Callers only test membership; the list is theirs to read, not to change."""
    return _originals["method_names_from_class"](clazz)


def _enrich_response(headers: dict, body: Any) -> tuple[dict, Any]:
    """moto's BaseResponse._enrich_response (5.2.5): the status as text, a request id made (its
    header), and written into the body's <RequestId> element; a text body without one, and a body of
    bytes (which moto's substitution fails on, and leaves), are left as they are."""
    if isinstance(body, bytes) or (isinstance(body, str) and "<RequestId>" not in body):
        from moto.utilities.aws_headers import gen_amzn_requestid_long

        if "status" in headers:
            headers["status"] = str(headers["status"])
        gen_amzn_requestid_long(headers)
        return headers, body
    return _originals["enrich_response"].__func__(headers, body)


def process_request(self, request):  # type: ignore[no-untyped-def]
    """moto's BotocoreStubber.process_request (5.2.5), with the URL's handler looked up once."""
    from moto.core.config import default_user_config, passthrough_url
    from moto.core.exceptions import HTTPException
    from moto.core.request import normalize_request
    from moto.core.utils import get_equivalent_url_in_aws_domain
    from moto.moto_api import recorder

    core = default_user_config.get("core", {})
    if core.get("service_whitelist") is not None or core.get("passthrough", {}).get("services"):
        return _originals["process_request"](self, request)
    parsed_url, _ = get_equivalent_url_in_aws_domain(request.url)
    clean_url = f"{parsed_url.scheme}://{parsed_url.netloc}{parsed_url.path}"
    if passthrough_url(clean_url):
        return None
    handler = _handler_for(clean_url)
    if handler is None:  # no service claims it: moto's own answer (a 404 or None)
        return _originals["process_request"](self, request)

    normalized_request = normalize_request(request)
    try:
        recorder._record_request(normalized_request)
        status, headers, body = handler(normalized_request, normalized_request.raw_url,
                                        normalized_request.headers)
    except HTTPException as e:
        status = e.code
        headers = e.get_headers()
        body = e.get_body()
    return status, headers, body


@lru_cache(maxsize=1024)
def _handler_for(clean_url: str) -> Any:
    """The handler moto's lookup finds for a URL: the first service whose pattern matches and one
    of whose URLs matches (in moto's order), or None. Handlers are the url modules' own functions."""
    import moto.backend_index as backend_index
    import moto.backends as backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.base_backend import BackendDict

    for service, pattern in backend_index.backend_url_patterns:
        if not pattern.match(clean_url):
            continue
        backend_dict = backends.get_backend(service)  # type: ignore[call-overload]
        if isinstance(backend_dict, BackendDict):
            if "us-east-1" in backend_dict[DEFAULT_ACCOUNT_ID]:
                backend = backend_dict[DEFAULT_ACCOUNT_ID]["us-east-1"]
            else:
                backend = backend_dict[DEFAULT_ACCOUNT_ID]["aws"]
        else:
            backend = backend_dict["global"]
        for url, method_to_execute in backend.urls.items():
            if re.compile(url).match(clean_url):
                return method_to_execute
    return None
