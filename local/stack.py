"""The local stack: the same handlers as in Lambda, over moto, routed as the CDK app routes them."""
from __future__ import annotations

import gc
import importlib
import logging
import threading
import time
import warnings
from datetime import datetime
from typing import Any

import jwt

from local import env
from local.apigateway import HttpAnswer, RouteTable, bearer_token, http_answer, json_answer, proxy_event
from local.clock import VirtualClock
from local.controls import Controls
from local.emulation import MOTO_LOCK, Emulator
from local.runtime import Runtime
from local.scheduler import Scheduler
from local.server import Server
from local.sources import QueueSource, StreamSource

log = logging.getLogger("local.stack")

PUMP_INTERVAL = 0.05            # seconds between background passes when nothing moved
TICK_INTERVAL = 0.5             # seconds between checks for scheduled occurrences in real time
MAX_SETTLE_PASSES = 100_000     # a guard against events that beget events forever
TOKEN_LIFETIME_SECONDS = 24 * 3600


def load_topology(topology: Any = None) -> Any:
    """The topology: `shared.topology` by default, or a module (or its dotted name) declaring
    FUNCTIONS, ROUTES, RULES, SCHEDULES and consumers() the same way."""
    if topology is None:
        return importlib.import_module("shared.topology")
    if isinstance(topology, str):
        return importlib.import_module(topology)
    return topology


class LocalStack:
    """Start with `start()` (or as a context manager); one per process (moto's mock is global)."""

    token_lifetime_seconds = TOKEN_LIFETIME_SECONDS

    def __init__(self, topology: Any = None, *, host: str = "127.0.0.1", port: int = 3000,
                 now: datetime | None = None, pump_interval: float = PUMP_INTERVAL,
                 tick_interval: float = TICK_INTERVAL, warm: bool = True) -> None:
        self.topology = load_topology(topology)
        self.host, self._requested_port, self._start_at = host, port, now
        self.pump_interval, self.tick_interval, self._warm = pump_interval, tick_interval, warm
        self.routes = RouteTable(self.topology.ROUTES)
        self.server: Server | None = None
        self.emulator = Emulator(self.topology)
        self.runtime = Runtime(self.topology)
        self.clock: VirtualClock | None = None
        self.scheduler: Scheduler | None = None
        self.stream: StreamSource | None = None
        self.queues: list[QueueSource] = []
        self._pump_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._token_secret = ""
        self.started = False

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self.server is not None, "not started"
        return self.server.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalStack:
        from shared import clock as shared_clock

        warnings.filterwarnings("ignore", message="No application metrics to publish")
        # moto holds every item, stream record and message as Python objects, and each call makes
        # thousands more: collecting the youngest generation every 700 allocations (Python's default)
        # was ~4 s of a programme's year, every 10,000 ~1.5 s, for ~4 MB more at the peak.
        young, *older = gc.get_threshold()
        gc.set_threshold(max(young, 10_000), *older)
        logging.getLogger("botocore").setLevel(logging.WARNING)
        # The port first: PUBLIC_BASE_URL names it (and PORT=0 picks a free one).
        self.server = Server(self.host, self._requested_port)
        self._token_secret = env.configure(self.server.port)["LOCAL_TOKEN_SECRET"]
        resources = self.emulator.start()
        self.clock = VirtualClock(self._start_at)
        shared_clock.use(self.clock)
        stream_consumer = self.topology.STREAM_CONSUMER  # the function the table's stream feeds, as in the CDK app
        if stream_consumer in self.runtime.functions:
            self.stream = StreamSource(self.emulator, self.runtime, stream_consumer, resources.stream_arn,
                                       resources.stream_failures_url)
        self.queues = [QueueSource(self.emulator, self.runtime, queue) for queue in resources.queues.values()]
        self.scheduler = Scheduler(self.topology.SCHEDULES, self.clock, self.runtime.invoke, self.settle,
                                   resources.rule_arns)
        self.server.attach(self, Controls(self))
        self._spawn("local-http", lambda: self.server.serve_forever(poll_interval=0.1))
        self._spawn("local-pump", self._pump_forever)
        self._spawn("local-ticker", self._tick_forever)
        if self._warm:
            self._spawn("local-warm", self.runtime.warm)
        self.started = True
        return self

    def stop(self) -> None:
        from shared import clock as shared_clock

        self._stopping.set()
        if self.server is not None:
            if self.started:
                self.server.shutdown()
            self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        self.emulator.stop()
        shared_clock.use(shared_clock.SystemClock())
        self.started = False

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, target) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- time ----------------------------------------------------------------------------
    def now(self) -> datetime:
        assert self.clock is not None, "not started"
        return self.clock.now()

    def iso_now(self) -> str:
        from shared import clock as shared_clock

        return shared_clock.iso(self.now())

    def advance(self, to: datetime) -> int:
        """Move the virtual clock forwards to `to`, firing every scheduled occurrence passed over
        (each at its own time, everything after it settled); the number of firings.
        Raises local.scheduler.MovedBackwards for a time in the past."""
        assert self.scheduler is not None, "not started"
        return self.scheduler.advance(to)

    def _tick_forever(self) -> None:
        while not self._stopping.wait(self.tick_interval):
            try:
                self.scheduler.catch_up()
            except Exception:  # noqa: BLE001 - keep ticking
                log.exception("scheduled firing failed")

    # -- events --------------------------------------------------------------------------
    def _pass(self) -> int:
        processed = self.stream.poll() if self.stream is not None else 0
        for queue in self.queues:
            processed += queue.poll()
        return processed

    def pump(self) -> int:
        """One pass over the stream and every queue; how many records/messages were processed."""
        with self._pump_lock:
            return self._pass()

    def settle(self) -> int:
        """Pump until a pass processes nothing; the total processed."""
        total = 0
        with self._pump_lock:
            for _ in range(MAX_SETTLE_PASSES):
                processed = self._pass()
                if not processed:
                    return total
                total += processed
        log.error("settle gave up after %d passes: do events keep causing events?", MAX_SETTLE_PASSES)
        return total

    def _pump_forever(self) -> None:
        while not self._stopping.is_set():
            processed = 0
            if self._pump_lock.acquire(blocking=False):
                try:
                    processed = self._pass()
                except Exception:  # noqa: BLE001 - keep pumping
                    log.exception("background pump failed")
                finally:
                    self._pump_lock.release()
            if not processed:
                self._stopping.wait(self.pump_interval)

    def dead_letters(self) -> dict[str, int]:
        """Messages in each consumer's DLQ, and (under the stream consumer's name + "-stream") stream
        records set aside after their retries."""
        counts = {queue.function: queue.dead_letters() for queue in self.queues}
        if self.stream is not None:
            counts[f"{self.stream.function}-stream"] = self.stream.dead_letters()
        return counts

    # -- functions -----------------------------------------------------------------------
    def invoke(self, function: str, event: dict) -> Any:
        """Invoke a function's handler directly (as `aws lambda invoke` would)."""
        return self.runtime.invoke(function, event)

    # -- API Gateway ---------------------------------------------------------------------
    def handle_api(self, *, method: str, raw_path: str, query: str, headers: list[tuple[str, str]], body: bytes,
                   source_ip: str = "127.0.0.1") -> HttpAnswer:
        matches, template = self.routes.resolve(raw_path)
        if not matches:
            return json_answer(404, {"message": f"no route for {raw_path}"})
        match = next((m for m in matches if m.route.method == method), None)
        if match is None:
            allowed = ", ".join(sorted({m.route.method for m in matches}))
            return json_answer(405, {"message": f"{method} is not allowed on {template}"}, [("Allow", allowed)])
        claims = None
        if match.route.access != "public":
            claims = self._authorize(headers)
            if claims is None:
                return json_answer(401, {"message": "Unauthorized"}, [("WWW-Authenticate", "Bearer")])
        event = proxy_event(method=method, raw_path=raw_path, query=query, headers=headers, body=body, match=match,
                            source_ip=source_ip, claims=claims)
        try:
            answer = self.runtime.invoke(match.route.function, event)
        except Exception:  # noqa: BLE001 - a function error is API Gateway's 502
            log.exception("%s %s: %s failed", method, raw_path, match.route.function)
            return json_answer(502, {"message": "Internal server error"})
        result = http_answer(answer)
        result.headers.append(("x-amzn-RequestId", event["requestContext"]["requestId"]))
        return result

    def _authorize(self, headers: list[tuple[str, str]]) -> dict | None:
        """The Cognito authorizer: the token's claims, or None (401)."""
        from shared.auth import verify_token

        grouped: dict[str, list[str]] = {}
        for name, value in headers:
            grouped.setdefault(name, []).append(value)
        token = bearer_token(grouped)
        if not token:
            return None
        try:
            return verify_token(token)
        except jwt.InvalidTokenError:
            return None

    def issue_token(self, email: str, *, name: str | None = None, organisation: str = "",
                    groups: list[str] | tuple[str, ...] = ()) -> str:
        """A signed stand-in for a Cognito ID token. Issued and checked in real time (the
        authorizer's clock is not the programme's), so tokens outlive clock moves."""
        from shared.auth import issue_local_token

        return issue_local_token(self._token_secret, email=email, name=name or email.split("@")[0],
                                 organisation=organisation, groups=list(groups), issued_at=int(time.time()),
                                 lifetime_seconds=TOKEN_LIFETIME_SECONDS)

    # -- mail ----------------------------------------------------------------------------
    def outbox(self, to: str | None = None) -> list[dict]:
        """Every email sent so far (oldest first), optionally only those to one address."""
        from local import outbox

        with MOTO_LOCK:
            return outbox.messages(to)
