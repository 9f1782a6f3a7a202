"""A small topology for testing the local stack's machinery without the programme's handlers.

Declared with the same dataclasses as shared/topology.py. The real publisher reads the stream,
so the stream → publisher → bus → rule → queue → consumer path is the one the programme uses.
"""
from __future__ import annotations

from datetime import timedelta

from shared.topology import EVENT_SOURCE, EventRule, Function, Route, Schedule

__all__ = ["EVENT_SOURCE", "FUNCTIONS", "ROUTES", "RULES", "SCHEDULES", "consumers"]

_STUB = "tests.local.stub_functions"

FUNCTIONS: tuple[Function, ...] = (
    Function("api", f"{_STUB}.api", "stub API", frozenset({"table:read", "table:write"})),
    Function("publisher", "functions.publisher.handler.handler", "the real publisher", frozenset({"bus:put"})),
    Function("consumer", f"{_STUB}.consumer", "records every event it gets", frozenset({"table:write"})),
    Function("narrow", f"{_STUB}.consumer", "only red things", frozenset({"table:write"})),
    Function("sweep", f"{_STUB}.sweep", "records each firing", frozenset({"table:write"})),
    Function("broken", f"{_STUB}.does_not_exist", "a handler that cannot be imported", frozenset()),
)

ROUTES: tuple[Route, ...] = (
    Route("POST", "/things", "api", "coordinator"),
    Route("GET", "/things/{thing_id}", "api", "public"),
    Route("DELETE", "/things/{thing_id}", "api", "coordinator"),
    Route("GET", "/things/special", "api", "public"),
    Route("GET", "/whoami", "api", "member"),
    Route("POST", "/echo/{name}", "api", "public"),
    Route("GET", "/echo/{name}", "api", "public"),
    Route("GET", "/binary", "api", "public"),
    Route("GET", "/boom", "api", "public"),
    Route("GET", "/broken", "broken", "public"),
    Route("GET", "/records/{kind}", "api", "public"),
    Route("GET", "/dead-letters/{function}", "api", "public"),
)

RULES: tuple[EventRule, ...] = (
    EventRule("things", "consumer", ("ThingCreated", "Swept")),
    EventRule("red-things", "narrow", ("ThingCreated",), {"colour": ["red"]}),
)

STREAM_CONSUMER = "publisher"

SCHEDULES: tuple[Schedule, ...] = (
    Schedule("stub-sweep", "sweep", timedelta(hours=1)),
)


def consumers() -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.function for r in RULES))
