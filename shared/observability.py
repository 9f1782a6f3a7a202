"""Logger, metrics and tracer, created once for every function.

The tracer is Powertools' Tracer only when tracing is on: `Tracer()` imports the X-Ray SDK
even when POWERTOOLS_TRACE_DISABLED is set (100-400 ms of every cold start for nothing), so
with tracing off the handler decorator is the identity and nothing of X-Ray is imported.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "peer-learning-visits"

Function = TypeVar("Function", bound=Callable[..., Any])

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="PeerLearningVisits", service=SERVICE)


def tracing_enabled() -> bool:
    """Powertools' own rule: off when POWERTOOLS_TRACE_DISABLED is true or outside Lambda."""
    return not Tracer._is_tracer_disabled()


@lru_cache(maxsize=1)
def _tracer() -> Tracer:
    return Tracer(service=SERVICE)


class LazyTracer:
    """What the functions use of Powertools' Tracer, creating it (and importing X-Ray) only when tracing is on."""

    def capture_lambda_handler(self, handler: Function) -> Function:
        return _tracer().capture_lambda_handler(handler) if tracing_enabled() else handler

    def capture_method(self, method: Function) -> Function:
        return _tracer().capture_method(method) if tracing_enabled() else method

    def put_annotation(self, key: str, value: Any) -> None:
        if tracing_enabled():
            _tracer().put_annotation(key=key, value=value)


tracer = LazyTracer()
