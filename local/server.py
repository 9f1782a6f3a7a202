"""The HTTP front door: each request goes to the local-only controls (local/controls.py) if it is
theirs, else to API Gateway for the declared routes."""
from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from local.apigateway import HttpAnswer, json_answer

if TYPE_CHECKING:
    from local.controls import Controls
    from local.stack import LocalStack

log = logging.getLogger("local.server")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


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

    def attach(self, stack: LocalStack, controls: Controls) -> None:
        self.RequestHandlerClass = type("RequestHandler", (_RequestHandler,), {"stack": stack, "controls": controls})
