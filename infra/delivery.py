"""How events reach the functions, as `shared/topology.py` declares it (its delivery policies too):
the bus and its archive; rule(s) -> a consumer's queue (with its DLQ) -> the consumer; the table's
stream -> the publisher (bisecting a failing batch, failures to a DLQ); the schedules."""
from __future__ import annotations

from typing import Mapping

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import pascal
from infra.nag import acknowledge
from shared import topology

DELIVERY, STREAM_DELIVERY = topology.QUEUE_DELIVERY, topology.STREAM_DELIVERY


def _seconds(delta) -> Duration:
    return Duration.seconds(delta.total_seconds())


def event_bus(scope: Construct) -> events.EventBus:
    bus = events.EventBus(scope, "Bus", description="Peer learning visits domain events")
    bus.archive("Archive", description="Replay after a consumer's outage",
                event_pattern=events.EventPattern(source=[topology.EVENT_SOURCE]), retention=Duration.days(30))
    return bus


def queue(scope: Construct, construct_id: str, **kwargs) -> sqs.Queue:
    return sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **kwargs)


def consumers(scope: Construct, functions: Mapping[str, lambda_.Function],
              bus: events.IEventBus) -> dict[str, tuple[sqs.Queue, sqs.Queue]]:
    """rule(s) -> the function's queue (with its DLQ) -> the function, partial batch failures;
    consumer -> (queue, DLQ)."""
    queues = {}
    for name in topology.consumers():
        dlq = queue(scope, f"{pascal(name)}Dlq", retention_period=_seconds(DELIVERY.dlq_retention))
        main = queue(
            scope, f"{pascal(name)}Queue",
            visibility_timeout=Duration.seconds(DELIVERY.visibility_timeout_seconds(topology.function(name))),
            retention_period=_seconds(DELIVERY.retention),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=DELIVERY.max_receive_count, queue=dlq),
        )
        functions[name].add_event_source(sources.SqsEventSource(
            main, batch_size=DELIVERY.batch_size, report_batch_item_failures=True,
            max_concurrency=DELIVERY.max_concurrency))
        queues[name] = (main, dlq)
    for rule in topology.RULES:
        main, dlq = queues[rule.function]
        pattern = rule.pattern()  # the same pattern the local stack routes by
        if set(pattern) - {"source", "detail-type", "detail"}:
            raise ValueError(f"rule {rule.name}: pattern keys {sorted(pattern)} not supported here")
        events.Rule(
            scope, f"Rule{pascal(rule.name)}",
            description=f"{', '.join(rule.detail_types)} -> {rule.function}",
            event_bus=bus,
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern.get("detail")),
            # Events the bus cannot deliver to the queue land in the same DLQ.
            targets=[targets.SqsQueue(main, dead_letter_queue=dlq)],
        )
    return queues


def stream_publisher(scope: Construct, table: dynamodb.ITable, publisher: lambda_.Function) -> sqs.Queue:
    """The table's stream -> the publisher, which may only put events on the bus; the DLQ of what it gave up on."""
    dlq = queue(scope, "StreamFailuresDlq", retention_period=_seconds(STREAM_DELIVERY.dlq_retention))
    acknowledge(dlq, "SQS3", "this queue is itself a dead-letter destination: the on-failure "
                             "destination of the table stream's event source mapping")
    publisher.add_event_source(sources.DynamoEventSource(
        table,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        batch_size=STREAM_DELIVERY.batch_size,
        bisect_batch_on_error=STREAM_DELIVERY.bisect_on_error,
        retry_attempts=STREAM_DELIVERY.retry_attempts,
        report_batch_item_failures=True,
        on_failure=sources.SqsDlq(dlq),
        parallelization_factor=1,  # keep each item's changes in order
    ))
    return dlq


def schedules(scope: Construct, functions: Mapping[str, lambda_.Function]) -> None:
    for schedule in topology.SCHEDULES:
        events.Rule(
            scope, f"Schedule{pascal(schedule.name)}",
            description=f"{schedule.name}: {schedule.expression} -> {schedule.function}",
            schedule=events.Schedule.expression(schedule.expression),
            targets=[targets.LambdaFunction(
                functions[schedule.function], retry_attempts=schedule.retry_attempts,
                max_event_age=_seconds(schedule.max_event_age))],
        )
