"""The local stack as a black box: `python -m local` in a subprocess on a free port, driven over HTTP.

A subprocess, because moto's mock is process-wide and the other test layers start their own.
"""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUB_START = "2030-01-01T00:30:00Z"


@dataclass
class Reply:
    status: int
    body: object
    raw: bytes
    headers: object  # http.client.HTTPMessage (case-insensitive, repeated headers kept)


class Stack:
    def __init__(self, process: subprocess.Popen, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def call(self, method: str, path: str, body=None, *, token: str | None = None, headers: dict | None = None,
             raw: bytes | None = None, timeout: float = 60) -> Reply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None and raw is None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, content, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, content, hdrs = error.code, error.read(), error.headers
        try:
            parsed = json.loads(content) if content else None
        except ValueError:
            parsed = None
        return Reply(status, parsed, content, hdrs)

    def token(self, email: str, **claims) -> str:
        reply = self.call("POST", "/_local/token", {"email": email, **claims})
        assert reply.status == 200, reply.raw
        return reply.body["token"]

    def settle(self) -> int:
        reply = self.call("POST", "/_local/settle")
        assert reply.status == 200, reply.raw
        return reply.body["processed"]

    def now(self) -> datetime:
        reply = self.call("GET", "/_local/clock")
        assert reply.status == 200, reply.raw
        return datetime.fromisoformat(reply.body["now"].replace("Z", "+00:00"))

    def advance(self, to: datetime) -> int:
        """Move the virtual clock (every scheduled rule fires on the way); the number of firings."""
        reply = self.call("POST", "/_local/clock", {"now": to.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")},
                          timeout=600)
        assert reply.status == 200, reply.raw
        return reply.body["fired"]

    def outbox(self, to: str | None = None) -> list[dict]:
        path = "/_local/outbox" + (f"?to={urllib.parse.quote(to)}" if to else "")
        reply = self.call("GET", path)
        assert reply.status == 200, reply.raw
        return reply.body["messages"]

    def records(self, kind: str) -> list[dict]:
        reply = self.call("GET", f"/records/{kind}")
        assert reply.status == 200, reply.raw
        return reply.body["records"]


def start_stack(log: Path, *args: str, now: str | None = None, timeout: float = 60,
                environment: dict[str, str] | None = None) -> Stack:
    env = {**os.environ, "PORT": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("NOW", None)
    env.pop("FAULTS", None)
    env.update(environment or {})
    if now:
        env["NOW"] = now
    stderr = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "local", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=stderr)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.decode(errors="replace")) for line in process.stdout],
                     daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=timeout)
            found = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
            if found:
                return Stack(process, found.group(1), log)
    except queue.Empty:
        process.kill()
        raise RuntimeError(f"the local stack did not start:\n{log.read_text()}") from None


def stop_stack(stack: Stack, signum: int = signal.SIGTERM) -> int:
    stack.process.send_signal(signum)
    try:
        return stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        return -1


@pytest.fixture(scope="session")
def stub_stack(tmp_path_factory) -> Stack:
    """The machinery over the stub topology, its clock started at a known half-hour."""
    log = tmp_path_factory.mktemp("local") / "stub-stack.log"
    stack = start_stack(log, "--topology", "tests.local.stub_topology", "--no-warm", now=STUB_START)
    yield stack
    assert stop_stack(stack) == 0, log.read_text()


@pytest.fixture(scope="module")
def real_stack(tmp_path_factory) -> Stack:
    """The programme's own topology, one stack a test module: a stack shared by the whole session made each
    module's clock moves fire the timers every module before it had left (their visits' reminders, follow-ups
    and reports), so a module took up to 9x longer late in a run than alone (tests/local: 208 s -> 84 s)."""
    log = tmp_path_factory.mktemp("local") / "real-stack.log"
    stack = start_stack(log, "--no-warm")
    yield stack
    assert stop_stack(stack, signal.SIGINT) == 0, log.read_text()  # Ctrl-C
