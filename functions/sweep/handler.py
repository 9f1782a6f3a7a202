"""Hourly: remove every due timer. Its removal is announced by the publisher as TimerFired."""
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import clock
from shared.store import stores
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    now = clock.now()
    timers = stores().timers
    fired = sum(1 for timer in timers.due(now) if timers.fire(timer))
    metrics.add_metric(name="TimersFired", unit="Count", value=fired)
    return {"fired": fired, "now": clock.iso(now)}
