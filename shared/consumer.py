"""Event consumers: EventBridge → SQS → Lambda, with partial batch failures.

Each SQS message body is the EventBridge envelope; the detail-type picks the reaction. A
reaction that raises fails only its own message, which SQS redelivers (then the DLQ).
Reactions must be idempotent: delivery is at least once.
"""
from __future__ import annotations

import json
from typing import Callable

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.observability import logger

Reaction = Callable[[dict], None]


def make_consumer(reactions: dict[str, Reaction]) -> Callable[[dict, object], dict]:
    """A Lambda handler body for an SQS queue fed by EventBridge rules."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def react(record: SQSRecord) -> None:
        envelope = json.loads(record.body)
        detail_type, detail = envelope.get("detail-type"), envelope.get("detail") or {}
        reaction = reactions.get(detail_type)
        if reaction is None:
            logger.warning("no reaction for event", extra={"detail_type": detail_type})
            return
        logger.append_keys(detail_type=detail_type, event_id=detail.get("event_id"))
        reaction(detail)

    def handle(event: dict, context: object) -> dict:
        return process_partial_response(event=event, record_handler=react, processor=processor, context=context)

    return handle


def timer_reactions(by_kind: dict[str, Reaction]) -> Reaction:
    """One TimerFired reaction that dispatches on the timer's kind."""

    def on_timer(detail: dict) -> None:
        reaction = by_kind.get(detail.get("kind", ""))
        if reaction is None:
            logger.warning("timer of unknown kind", extra={"kind": detail.get("kind")})
            return
        reaction(detail)

    return on_timer


def is_sqs_batch(event: dict) -> bool:
    records = event.get("Records") or []
    return bool(records) and records[0].get("eventSource") == "aws:sqs"
