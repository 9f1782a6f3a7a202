"""botocore's endpoint for a call, resolved once per client, operation and the call's values it reads.

At every call botocore gathers the parameters of the service's endpoint rules (the client's region
and settings, and those of the call's values the operation names as context parameters), lets
`before-endpoint-resolution` handlers adjust the built-in ones, then evaluates the rules (that last
step is cached by parameters). The gathering alone was ~8% of a small call. For the services the
local stack answers in-process (local/in_process.py SERVICES) no handler adjusts anything, and what
is gathered depends only on the client and those values: so the endpoint resolved is kept on the
client's resolver, by operation and values (bounded). Resolved as botocore does, each time:
- an operation whose parameters are searched out of the call (DynamoDB's batch and transaction
  calls: operation context parameters), or one of a value that cannot be a key;
- any call of a service with a `before-endpoint-resolution` handler registered (S3's).
The user-agent features botocore notes while gathering are noted again when the kept one is used.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from typing import Any

_originals: dict[str, Any] = {}
_KEPT = 256
_ATTRIBUTE = "_local_stack_endpoints"


def install() -> None:
    from botocore.context import get_context
    from botocore.regions import EndpointRulesetResolver

    from local.in_process import SERVICES

    if _originals:
        return
    _originals.update(construct_endpoint=EndpointRulesetResolver.construct_endpoint, get_context=get_context,
                      services=SERVICES)
    EndpointRulesetResolver.construct_endpoint = construct_endpoint  # type: ignore[method-assign]


def construct_endpoint(self: Any, operation_model: Any, call_args: Any, request_context: Any) -> Any:
    """botocore's EndpointRulesetResolver.construct_endpoint (1.42), its answer kept where it may be."""
    original = _originals["construct_endpoint"]
    key = _key(self, operation_model, call_args or {}) \
        if operation_model.service_model.service_name in _originals["services"] else None
    if key is None:
        return original(self, operation_model, call_args, request_context)
    kept: dict = self.__dict__.setdefault(_ATTRIBUTE, {})
    found = kept.get(key)
    context = _originals["get_context"]()
    if found is not None:
        if context is not None:
            context.features.update(found[1])
        return found[0]
    noted = set(context.features) if context is not None else set()
    endpoint = original(self, operation_model, call_args, request_context)
    if len(kept) >= _KEPT:
        kept.clear()
    kept[key] = (endpoint, frozenset(context.features - noted) if context is not None else frozenset())
    return endpoint


def _key(resolver: Any, operation_model: Any, call_args: dict) -> tuple | None:
    if operation_model.operation_context_parameters:
        return None
    service_id = resolver._service_model.service_id.hyphenize()
    if resolver._event_emitter._emitter._handlers.prefix_search(f"before-endpoint-resolution.{service_id}"):
        return None
    values = tuple((p.name, call_args.get(p.member_name)) for p in operation_model.context_parameters)
    try:
        hash(values)
    except TypeError:
        return None
    return operation_model.name, values
