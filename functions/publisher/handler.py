"""Publishes each changed item's own event from the table's stream to the bus.

New `event` attribute (its id differs from the old image's) → that event; a removed timer →
TimerFired; a written timer → noted on the sweep's mark (one write a batch), so the hourly sweep
knows to look. The batch's events go out ten per PutEvents call; a refused event fails its record
(partial batch failure), so Lambda retries from there (then the on-failure DLQ).
"""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from shared.adapters import bus
    from shared.adapters.stream import event_of_record, written_timer
    from shared.consumer import batch_answer
    from shared.observability import logger, metrics, tracer
    from shared.store import timers


def publish_records(records: list[dict]) -> list[str]:
    """The sequence numbers of the records whose event could not be read or published."""
    failed: list[str] = []
    announced: list[tuple[str, bus.Event]] = []
    failed += _note_timers(records)
    for record in records:
        sequence_number = record.get("dynamodb", {}).get("SequenceNumber", "")
        try:
            event = event_of_record(record)
        except Exception:  # one unreadable record fails alone
            logger.exception("stream record not readable", extra={"sequence_number": sequence_number})
            failed.append(sequence_number)
            continue
        if event is not None:
            announced.append((sequence_number, event))
    if announced:
        try:
            refused = bus.publish_many([event for _, event in announced])
        except Exception:
            logger.exception("PutEvents failed")
            refused = list(range(len(announced)))
        failed += [announced[index][0] for index in refused]
    return list(dict.fromkeys(failed))  # a record failing twice is one failure


def _note_timers(records: list[dict]) -> list[str]:
    """Note the timers these records write on the sweep's mark; if that fails, their records fail (and come again)."""
    written = [(record.get("dynamodb", {}).get("SequenceNumber", ""), sk) for record in records
               if (sk := written_timer(record))]
    if not written:
        return []
    try:
        timers.note_written(sk for _, sk in written)
    except Exception:
        logger.exception("the sweep's mark could not be told of new timers")
        return [sequence_number for sequence_number, _ in written]
    return []


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return batch_answer(publish_records(event.get("Records") or []))
