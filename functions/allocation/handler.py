"""Allocation function: its API routes, and its reactions to events and timers (through SQS)."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.allocation import routes
from shared.consumer import is_sqs_batch, make_consumer, timer_reactions
from shared.http import handle, make_resolver
from shared.observability import logger, metrics, tracer
from shared.services import allocation, offers

app = make_resolver()
app.include_router(routes.router)

consume = make_consumer({
    "ApplicationOffered": offers.notify_offered,
    "ApplicationWaitlisted": offers.notify_waitlisted,
    "ApplicationWithdrawn": offers.on_withdrawn,
    "ApplicationExpired": offers.on_expired,
    "TimerFired": timer_reactions({"applications_close": allocation.close_due, "offer_expiry": offers.expire}),
})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    if is_sqs_batch(event):
        return consume(event, context)
    return handle(app, event, context)
