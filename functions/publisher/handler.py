"""Publishes each changed item's own event from the table's stream to the bus.

New `event` attribute (its id differs from the old image's) → that event; a removed timer →
TimerFired. Partial batch failures let Lambda retry only what failed (then the on-failure DLQ).
"""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters import bus
from shared.adapters.stream import event_of_record
from shared.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def publish_record(record: DynamoDBRecord) -> None:
    event = event_of_record(record.raw_event)
    if event is not None:
        bus.publish(*event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=publish_record, processor=processor, context=context)
