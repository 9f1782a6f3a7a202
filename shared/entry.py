"""The Lambda entry point every API function shares: routes, and (where it consumes events) SQS batches.

One function may serve both its API routes and its own event queue; the decorators (logging with
the request's correlation id, tracing, metrics) are the same for every function.
"""
from __future__ import annotations

from typing import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.consumer import is_sqs_batch
from shared.http import handle, make_resolver
from shared.observability import logger, metrics, tracer

Handler = Callable[[dict, LambdaContext], dict]


def api_function(*routers, consume: Handler | None = None) -> tuple[APIGatewayRestResolver, Handler]:
    """(resolver, Lambda handler) for a function with these routers and, optionally, an event consumer."""
    app = make_resolver()
    for router in routers:
        app.include_router(router)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: dict, context: LambdaContext) -> dict:
        if consume is not None and is_sqs_batch(event):
            return consume(event, context)
        return handle(app, event, context)

    return app, handler
