"""The HTTP front door: the local-only controls, then API Gateway for the declared routes."""
from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs, urlsplit

from local import mail
from local.apigateway import HttpAnswer, json_answer

if TYPE_CHECKING:
    from local.stack import LocalStack

log = logging.getLogger("local.server")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


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
        from local import sign_in
        from local.stack import TOKEN_LIFETIME_SECONDS

        return sign_in.answer(self.stack, query, TOKEN_LIFETIME_SECONDS)

    def get_clock(self, query, body) -> HttpAnswer:
        return json_answer(200, {"now": self.stack.iso_now()})

    def set_clock(self, query, body) -> HttpAnswer:
        from local.scheduler import MovedBackwards
        from shared import clock

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
        from shared.adapters import faults

        return json_answer(200, {"rate": faults.rate(), "injected": faults.injected(),
                                 "dead_letters": self.stack.dead_letters()})

    def outbox(self, query, body) -> HttpAnswer:
        to = (query.get("to") or [None])[-1] or None
        try:
            messages = self.stack.outbox(to)
        except ImportError as exc:
            return json_answer(503, {"message": f"the outbox is not available: {exc}"})
        return json_answer(200, {"messages": messages})


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "peer-learning-visits-local"
    # Headers and body go out in two writes: without TCP_NODELAY a keep-alive client's delayed ACK
    # holds every answer's body back ~40 ms.
    disable_nagle_algorithm = True
    stack: LocalStack  # set on the subclass the server builds
    controls: Controls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                length = int(line or b"0", 16)
                if length == 0:
                    while self.rfile.readline(65537).strip():  # trailers
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        method = self.command.upper()
        url = urlsplit(self.path)
        path = url.path or "/"
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self._send(json_answer(400, {"message": "the request body could not be read"}))
            return
        if body is None:
            self.close_connection = True
            self._send(json_answer(413, {"message": "the request body is too large"}))
            return
        try:
            answer = self.controls.handle(method, path, parse_qs(url.query, keep_blank_values=True), body)
            if answer is None:
                answer = self.stack.handle_api(method=method, raw_path=path, query=url.query,
                                               headers=list(self.headers.items()), body=body,
                                               source_ip=self.client_address[0])
        except Exception:  # noqa: BLE001 - the stack itself failed: say so in JSON
            log.exception("%s %s failed", method, self.path)
            answer = json_answer(500, {"message": "the local stack failed on this request (see its log)"})
        self._send(answer)

    def _send(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command.upper() != "HEAD" and answer.body:
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) gets API Gateway's answer (405 where a route lacks it),
        # not http.server's 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog (socketserver's default is 5): a burst of concurrent clients must queue,
    # not see their connections reset (the local stack does not throttle).
    request_queue_size = 128

    def __init__(self, host: str, port: int) -> None:
        super().__init__((host, port), _RequestHandler, bind_and_activate=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def attach(self, stack: LocalStack) -> None:
        controls = Controls(stack)
        self.RequestHandlerClass = type("RequestHandler", (_RequestHandler,), {"stack": stack, "controls": controls})
