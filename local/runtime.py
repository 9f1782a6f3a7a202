"""Invoking a function's handler as the Lambda runtime would: (event, context).

Each function is one execution environment: its handler is imported on first use and runs one
invocation at a time (module-level state such as a Powertools resolver's current event is not
made for concurrent calls). Different functions run concurrently.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from local import env

log = logging.getLogger("local.runtime")


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{env.REGION}:{env.ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class HandlerNotAvailable(RuntimeError):
    """The function's handler could not be imported."""


class Runtime:
    """One execution environment per declared function."""

    def __init__(self, topology: Any) -> None:
        self.functions = {f.name: f for f in topology.FUNCTIONS}
        self._handlers: dict[str, Callable[[dict, Any], Any]] = {}
        self._locks = {name: threading.Lock() for name in self.functions}
        self._import_lock = threading.Lock()

    def handler(self, name: str) -> Callable[[dict, Any], Any]:
        found = self._handlers.get(name)
        if found is not None:
            return found
        with self._import_lock:
            found = self._handlers.get(name)
            if found is None:
                spec = self.functions[name].handler
                module_name, _, attribute = spec.rpartition(".")
                try:
                    found = getattr(importlib.import_module(module_name), attribute)
                except Exception as exc:  # noqa: BLE001 - a broken or missing handler is one function's problem
                    raise HandlerNotAvailable(f"{name}: cannot import {spec}: {exc!r}") from exc
                self._handlers[name] = found
        return found

    def warm(self) -> None:
        """Import every handler now (cold starts out of the way); failures are only logged."""
        for name in self.functions:
            try:
                self.handler(name)
            except HandlerNotAvailable as exc:
                log.warning("%s", exc)

    def context(self, name: str) -> LambdaContext:
        function = self.functions[name]
        return LambdaContext(function_name=function.name, memory_limit_in_mb=function.memory_mb,
                             timeout_seconds=function.timeout_seconds)

    def invoke(self, name: str, event: dict) -> Any:
        """Invoke synchronously; exceptions propagate (callers decide what Lambda would do)."""
        handler = self.handler(name)
        with self._locks[name]:
            try:
                return handler(event, self.context(name))
            finally:
                _discard_disabled_metrics()


def _discard_disabled_metrics() -> None:
    """Powertools 3.37 does not clear its metric set on flush when metrics are disabled, so values
    pile up across invocations and are printed every 100. Drop them after each invocation."""
    try:
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled
        from aws_lambda_powertools.metrics.metrics import Metrics
    except ImportError:  # pragma: no cover - another Powertools layout
        return
    if is_metrics_disabled():
        Metrics._metrics.clear()
