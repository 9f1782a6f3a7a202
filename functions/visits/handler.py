"""Visits API function: visits, visitors' email links, the OpenAPI document."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.visits import links, openapi, routes
from shared.http import handle, make_resolver
from shared.observability import logger, metrics, tracer

app = make_resolver()
for router in (routes.router, links.router, openapi.router):
    app.include_router(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
