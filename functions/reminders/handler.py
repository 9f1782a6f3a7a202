"""Reminders function: the visitors' preparation and follow-up routes, the timeline, and every
timed communication, calendar update and cancellation (reactions to events and timers through SQS)."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reminders import routes
from shared.consumer import is_sqs_batch, make_consumer, timer_reactions
from shared.http import handle, make_resolver
from shared.observability import logger, metrics, tracer
from shared.services import preparation, reminders

app = make_resolver()
app.include_router(routes.router)


def _nothing(detail: dict) -> None:
    """PrepCallChanged: the answer is read when the call reminder and the material go out."""


consume = make_consumer({
    "VisitCreated": reminders.on_visit_created,
    "VisitScheduleChanged": reminders.on_schedule_changed,
    "VisitCancelled": reminders.on_cancelled,
    "ApplicationConfirmed": preparation.on_confirmed,
    "ApplicationWithdrawn": reminders.on_withdrawn,
    "PrepCallChanged": _nothing,
    "TimerFired": timer_reactions({"communication": reminders.on_communication_due}),
})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    if is_sqs_batch(event):
        return consume(event, context)
    return handle(app, event, context)
