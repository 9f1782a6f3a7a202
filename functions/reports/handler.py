"""Reports function: its API routes, and its reactions to learning points and to its timers (through SQS)."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reports import routes
from shared.consumer import is_sqs_batch, make_consumer, timer_reactions
from shared.http import handle, make_resolver
from shared.observability import logger, metrics, tracer
from shared.services import reports

app = make_resolver()
app.include_router(routes.router)

consume = make_consumer({
    "LearningPointsSubmitted": reports.on_points_submitted,
    "TimerFired": timer_reactions({"report_due": reports.report_due, "impact_due": reports.impact_due}),
})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    if is_sqs_batch(event):
        return consume(event, context)
    return handle(app, event, context)
