"""The local stack's own controls, never deployed: `GET /health` and `/_local/*` (a token, the virtual
clock, settling the events, the outbox, the sign-in stand-in, fault injection, the mail viewer).

`Controls.handle` answers a control path, or None for any other path (which the server hands to
API Gateway). A control's body that does not validate is a 422 naming the field.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from local import mail, sign_in
from local.apigateway import HttpAnswer, json_answer
from local.scheduler import MovedBackwards
from shared import clock
from shared.adapters import faults

if TYPE_CHECKING:
    from local.stack import LocalStack


class Invalid(Exception):
    """A local control's body that does not validate (422), naming the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def _json_body(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise Invalid("body", "not valid JSON") from exc
    if not isinstance(parsed, dict):
        raise Invalid("body", "must be a JSON object")
    return parsed


def _optional_text(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    return value


class Controls:
    """GET /health and /_local/*: answers for one (path, method), or None if not a control path."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.paths: dict[str, dict[str, Callable[[dict[str, list[str]], bytes], HttpAnswer]]] = {
            "/health": {"GET": self.health},
            "/_local/token": {"POST": self.token},
            "/_local/clock": {"GET": self.get_clock, "POST": self.set_clock},
            "/_local/settle": {"POST": self.settle},
            "/_local/outbox": {"GET": self.outbox},
            "/_local/sign-in": {"GET": self.sign_in},
            "/_local/faults": {"GET": self.faults},
        }

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> HttpAnswer | None:
        if mail.owns(path):  # the mail viewer (HTML pages)
            return mail.handle(self.stack, method, path, query)
        methods = self.paths.get(path.rstrip("/") or "/")
        if methods is None:
            if path.startswith("/_local/"):
                return json_answer(404, {"message": f"no local control at {path}"})
            return None
        action = methods.get(method)
        if action is None:
            return json_answer(405, {"message": f"{method} is not allowed on {path}"},
                               [("Allow", ", ".join(sorted(methods)))])
        try:
            return action(query, body)
        except Invalid as error:
            return json_answer(422, {"message": str(error), "fields": {error.field: error.problem}})

    def health(self, query, body) -> HttpAnswer:
        return json_answer(200, {"status": "ok", "now": self.stack.iso_now()})

    def token(self, query, body) -> HttpAnswer:
        data = _json_body(body)
        email = data.get("email")
        if not isinstance(email, str) or not email.strip():
            raise Invalid("email", "is required (a non-empty string)")
        name = _optional_text(data, "name")
        organisation = _optional_text(data, "organisation")
        groups = data.get("groups")
        if groups is None:
            groups = []
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise Invalid("groups", "must be a list of strings")
        token = self.stack.issue_token(email.strip(), name=name, organisation=organisation or "", groups=groups)
        return json_answer(200, {"token": token})

    def sign_in(self, query, body) -> HttpAnswer:
        return sign_in.answer(self.stack, query, self.stack.token_lifetime_seconds)

    def get_clock(self, query, body) -> HttpAnswer:
        return json_answer(200, {"now": self.stack.iso_now()})

    def set_clock(self, query, body) -> HttpAnswer:
        data = _json_body(body)
        text = data.get("now")
        if not isinstance(text, str) or not text.strip():
            raise Invalid("now", "is required (an ISO 8601 time)")
        try:
            to = clock.parse(text.strip())
        except (ValueError, TypeError, OverflowError) as exc:
            raise Invalid("now", f"not an ISO 8601 time: {text!r}") from exc
        before = self.stack.now()
        try:
            fired = self.stack.advance(to)
        except MovedBackwards as error:
            return json_answer(409, {"message": str(error)})
        # A target a moment behind now (within the clock's second precision) leaves the clock at now.
        return json_answer(200, {"now": clock.iso(to if to >= before else self.stack.now()), "fired": fired})

    def settle(self, query, body) -> HttpAnswer:
        return json_answer(200, {"processed": self.stack.settle()})

    def faults(self, query, body) -> HttpAnswer:
        """What fault injection (`make run FAULTS=0.3`) did so far, and what sits in the dead-letter queues."""
        return json_answer(200, {"rate": faults.rate(), "injected": faults.injected(),
                                 "dead_letters": self.stack.dead_letters()})

    def outbox(self, query, body) -> HttpAnswer:
        to = (query.get("to") or [None])[-1] or None
        try:
            messages = self.stack.outbox(to)
        except ImportError as exc:
            return json_answer(503, {"message": f"the outbox is not available: {exc}"})
        return json_answer(200, {"messages": messages})
