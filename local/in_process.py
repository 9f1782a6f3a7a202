"""AWS calls answered by moto's own response classes in-process, without the HTTP round trip.

Under moto's mock a call still travels as over the network: botocore serialises it, builds an
HTTP request, signs it and hands it to moto's stubber; moto rebuilds a request object (werkzeug),
parses its headers, query and body, and routes it to the service's response class, whose answer
becomes an HTTP response again for botocore to parse. Playing a programme's year, that travel was
more than half the time of every DynamoDB call, and DynamoDB calls half of the local stack's time.

Here, at botocore's `before-call` (after the parameters are validated and serialised, where
botocore lets a handler answer a call itself), a call to one of SERVICES is given straight to
the same response class moto would route it to: set up with what moto's `setup_class` would have
read from the request (body, headers, region, account, parsed parameters), its `call_action` run
under the lock around moto, and its answer parsed by botocore's own parser, modelled error fields
and all. Everything behind `call_action` is moto's: validation, conditions, transactions, streams,
errors. What is skipped is only the HTTP form of a request and an answer that never leave the
process, and, where a walker of the model would give them back unchanged, the walks themselves:
DynamoDB's items in wire form are taken as they are by moto's request parser and botocore's parser
(local/attribute_values.py), and the plain-JSON answers of its item operations and its stream's
records are written as JSON directly (orjson) rather than by moto's serialiser (`_as_plain_json`).
tests/integration/test_local_in_process.py compares every answer with moto's own route.

Only while moto's mock intercepts calls and checks no credentials (local/signing.py), only the
JSON protocols (whole body in, whole body out), and for REST-JSON only an operation whose path
has no parameters; anything else takes the usual road. Installed once per process by `install()`
(the local stack calls it), before the clients are made.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator
from urllib.parse import urlparse

import orjson

SERVICES = frozenset({"dynamodb", "dynamodbstreams", "sqs", "events", "sesv2"})
# Operations whose answers are written as plain JSON when they are (see _as_plain_json).
PLAIN_JSON_ANSWERS = {"dynamodb": frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                                             "BatchGetItem", "TransactWriteItems", "TransactGetItems"}),
                      "dynamodbstreams": frozenset({"GetRecords"})}
PROTOCOLS = frozenset({"json", "rest-json"})

_state = {"installed": False, "enabled": True}


def install() -> None:
    """Answer calls in-process in every botocore session made from now on (and boto3's default one)."""
    if _state["installed"]:
        return
    import boto3
    from botocore.handlers import BUILTIN_HANDLERS

    BUILTIN_HANDLERS.append(("before-call", answer))
    if boto3.DEFAULT_SESSION is not None:  # made before: its later clients answer in-process too
        boto3.DEFAULT_SESSION._session.register("before-call", answer)
    _state["installed"] = True


@contextmanager
def over_http() -> Iterator[None]:
    """While inside, every call takes the HTTP road through moto's stubber (a test's or the bench's baseline)."""
    before, _state["enabled"] = _state["enabled"], False
    try:
        yield
    finally:
        _state["enabled"] = before


def answer(model: Any, params: dict, request_signer: Any = None, context: dict | None = None,
           **_: Any) -> tuple[Any, dict] | None:
    """botocore's before-call: (http response, parsed answer) for a call moto answers here; None otherwise."""
    if not _state["enabled"] or not _answerable(model):
        return None
    from local import signing

    if not signing.moto_ignores_signatures():
        return None
    response_class = _response_class(params["url"])
    if response_class is None:
        return None
    status, headers, body = _call(response_class, model, params, request_signer, context or {})
    return _parsed(model, params["url"], status, headers, body)


@lru_cache(maxsize=1024)  # operation models live as long as their clients
def _answerable(model: Any) -> bool:
    service = model.service_model
    if service.service_name not in SERVICES or service.resolved_protocol not in PROTOCOLS:
        return False
    if model.has_streaming_input or model.has_streaming_output or model.has_event_stream_output:
        return False
    return service.resolved_protocol == "json" or "{" not in model.http.get("requestUri", "")


def _response_class(url: str) -> type | None:
    """The response class whose dispatch moto's stubber would route `url` to (local/dispatch.py's lookup)."""
    from moto.core.utils import get_equivalent_url_in_aws_domain

    from local import dispatch

    parsed, _ = get_equivalent_url_in_aws_domain(url)
    handler = dispatch._handler_for(f"{parsed.scheme}://{parsed.netloc}{parsed.path}")
    owner = getattr(handler, "__self__", None)  # moto's urls name a class's dispatch (a classmethod)
    return owner if isinstance(owner, type) else None


def _call(response_class: type, model: Any, params: dict, request_signer: Any, context: dict) -> tuple:
    """The response class set up as moto's setup_class would set it up for this request, then its
    call_action; a moto HTTPException answered as moto's stubber answers it."""
    from moto.core.exceptions import HTTPException
    from moto.iam.models import mark_account_as_visited
    from moto.utilities.utils import get_partition

    from local.emulation import MOTO_LOCK

    body = params["body"]
    raw = body if isinstance(body, bytes) else (body or "").encode("utf-8")
    url = params["url"]
    handler = response_class()
    handler.is_werkzeug_request = False
    handler.normalized_request = None
    handler.parsed_url = urlparse(url)
    handler.uri, handler.path, handler.raw_path = url, handler.parsed_url.path, handler.parsed_url.path
    handler.method = params["method"]
    handler.headers = dict(params["headers"])
    handler.querystring = {}
    handler.data = handler.querystring
    handler.form_data = {}
    handler.raw_body = raw
    handler.body = raw if handler.use_raw_body else raw.decode("utf-8")
    handler.region = context.get("client_region") or _region_of(handler, url)
    handler.partition = get_partition(handler.region)
    handler.uri_match = {}
    handler.response_headers = {"server": "amazon.com"}
    handler._get_action = lambda: model.name  # the operation botocore is calling (moto reads it from the request)
    handler.access_key = _access_key(request_signer)
    handler.current_account = _account(handler.access_key)
    if handler.automated_parameter_parsing:
        handler.params = _request_parser(model, handler.PROTOCOL_PARSER_MAP_TYPE).parse({
            "method": handler.method, "values": {}, "headers": handler.headers, "body": raw,
            "url_path": handler.path, "url_params": {}})
    mark_account_as_visited(account_id=handler.current_account, access_key=handler.access_key,
                            service=handler.service_name, region=handler.region)
    if model.name in PLAIN_JSON_ANSWERS.get(model.service_model.service_name, ()):
        handler.serialized = _as_plain_json(handler, model)
    with MOTO_LOCK:
        try:
            return handler.call_action()
        except HTTPException as error:
            return error.code, error.get_headers(), error.get_body()


def _as_plain_json(handler: Any, model: Any) -> Any:
    """The handler's `serialized`, but an answer that is plain JSON already written as it is.

    moto's serialiser walks the operation's output shape for every answer, member by member. The
    answers of DynamoDB's item operations and its stream's records are dicts named as the shape
    names its members, holding only strings, numbers, booleans, lists and dicts (items in wire
    form), and dates: written as JSON as they are (a date as the walker writes it, seconds since
    the epoch to the millisecond), botocore's parser reads from them what it reads from the
    walker's (it too reads the shape's members, and skips what is null or not in the shape).
    Anything else (an error, bytes, a key not text, an integer beyond 64 bits, a map with an empty
    name: what is not written as the walker would write it) goes the walker's way. Written by
    orjson: the stdlib's encoder took ~1.4 ms for a visit's 90 applications, orjson 0.1 ms."""
    from moto.core.responses import ActionResult
    from moto.core.serialize import TimestampSerializer
    from moto.dynamodb.responses import DynamoResult

    walker = handler.serialized
    content_type = f"application/x-amz-json-{model.service_model.metadata.get('jsonVersion', '1.0')}"

    def as_walker_writes(value: Any) -> Any:
        if isinstance(value, datetime):  # every date of these answers is in the walker's default format
            return TimestampSerializer._timestamp_unixtimestamp(value)
        raise TypeError(f"{type(value).__name__} is written by the walker")

    def serialized(action_result: Any) -> tuple:
        result = action_result.result
        if type(action_result) in (DynamoResult, ActionResult) and isinstance(result, dict):
            try:
                body = _PlainJson(orjson.dumps(result, default=as_walker_writes,
                                               option=orjson.OPT_PASSTHROUGH_DATETIME))
            except TypeError:  # orjson's errors are TypeErrors: a value it does not write, a key not text
                return walker(action_result)
            if b'"":' in body:  # a map with an empty name: the walker has its own answer (attribute_values.py)
                return walker(action_result)
            headers = {"Content-Type": content_type}
            headers.update(handler.response_headers)
            return 200, headers, body
        return walker(action_result)

    return serialized


def _region_of(handler: Any, url: str) -> str:
    match = handler.region_regex.search(url)
    return match.group("region") if match else handler.default_region


def _access_key(request_signer: Any) -> str:
    credentials = getattr(request_signer, "_credentials", None)
    return getattr(credentials, "access_key", None) or "AKIAEXAMPLE"


def _account(access_key: str) -> str:
    """moto's get_current_account, for a request whose only say is its access key."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


@lru_cache(maxsize=1024)
def _request_parser(model: Any, map_type: type) -> Any:
    """moto's parser of the operation's request (its automated parameter parsing); for JSON, with
    DynamoDB's attribute values and items in wire form taken as they are (it would rebuild them
    member by member into the very same values)."""
    from moto.core.parse import PROTOCOL_PARSERS, JSONParser
    from moto.core.responses import get_service_model

    from local.attribute_values import as_it_is

    operation = get_service_model(model.service_model.service_name).operation_model(model.name)
    protocol = model.service_model.resolved_protocol
    if protocol != "json" or map_type is not dict:
        return PROTOCOL_PARSERS[protocol](operation, map_type=map_type)

    class ItemsAsTheyCome(JSONParser):
        def _parse_structure(self, shape, value):  # type: ignore[no-untyped-def]
            return value if as_it_is(shape, value) else super()._parse_structure(shape, value)

        def _parse_map(self, shape, value):  # type: ignore[no-untyped-def]
            return value if as_it_is(shape, value) else super()._parse_map(shape, value)

    return ItemsAsTheyCome(operation, map_type=map_type)


class _PlainJson(bytes):
    """An answer `_as_plain_json` wrote from moto's own values (not its walker's text)."""


# Keys whose presence in such an answer means an attribute value may need botocore's reading: binary
# data (base64 to decode) and an empty name (see attribute_values.in_wire_form). A string's quotes are
# escaped inside JSON, so these bytes appear only as keys.
_NOT_AS_THEY_CAME = (b'"B":', b'"BS":', b'"":')


@lru_cache(maxsize=None)
def _response_parser(protocol: str, checked: bool = True) -> Any:
    """botocore's parser of `protocol`; for JSON, one that takes DynamoDB's attribute values as they came,
    each `checked` to be in wire form, or not for a _PlainJson answer that holds none of _NOT_AS_THEY_CAME
    (written from moto's values, every one of them is then)."""
    from botocore.parsers import JSONParser, ResponseParserFactory

    if protocol != "json":
        return ResponseParserFactory().create_parser(protocol)

    from local.attribute_values import as_it_is, holds_attribute_values

    def as_they_came(shape: Any, value: Any) -> bool:
        return as_it_is(shape, value) if checked else holds_attribute_values(shape)

    class ItemsAsTheyCame(JSONParser):
        """botocore's JSON parser, but for DynamoDB's attribute values and items in wire form (no
        binary data), which it would rebuild member by member into the very same dicts."""

        def _handle_structure(self, shape, value):  # type: ignore[no-untyped-def]
            return value if as_they_came(shape, value) else super()._handle_structure(shape, value)

        def _handle_map(self, shape, value):  # type: ignore[no-untyped-def]
            return value if as_they_came(shape, value) else super()._handle_map(shape, value)

    return ItemsAsTheyCame()


def _parsed(model: Any, url: str, status: Any, headers: Any, body: Any) -> tuple[Any, dict]:
    """What botocore's endpoint makes of moto's answer: the HTTP response and the parsed answer,
    with the modelled fields of an error (a cancelled transaction's reasons) as the endpoint adds them."""
    from botocore.awsrequest import AWSResponse, HeadersDict
    from moto.core.botocore_stubber import MockRawResponse

    status_code = int(status)
    header_dict = HeadersDict({str(k): str(v) for k, v in (headers or {}).items()})
    content = body if isinstance(body, bytes) else (body or "").encode("utf-8")
    response_dict = {"headers": header_dict, "status_code": status_code, "body": content,
                     "context": {"operation_name": model.name}}
    trusted = type(body) is _PlainJson and status_code < 300 and not any(key in body for key in _NOT_AS_THEY_CAME)
    parser = _response_parser(model.service_model.resolved_protocol, checked=not trusted)
    parsed = parser.parse(response_dict, model.output_shape)
    if status_code >= 300:
        code = parsed.get("Error", {}).get("Code")
        error_shape = model.service_model.shape_for_error_code(code) if code else None
        if error_shape is not None:
            parsed.update(parser.parse(response_dict, error_shape))
    if "ResponseMetadata" in parsed:
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return AWSResponse(url, status_code, header_dict, MockRawResponse(content)), parsed
