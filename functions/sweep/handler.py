"""Hourly: remove every due timer, a batch at a time, until none is due. Each removal is announced by
the publisher as TimerFired. An hour with nothing due costs one read (the timers' mark, see
shared/store/timers.py); after a full look the mark is set to the earliest timer left.
`TimersBacklog` counts due timers left when the function's time ran short (0 normally; above 0 the
next run goes on where this one stopped, and the sweep falls behind)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from shared import clock
    from shared.store import stores
    from shared.observability import logger, metrics, tracer

BATCH = 100
SPARE_MILLIS = 15_000  # stop taking batches with this much of the function's time left


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    now = clock.now()
    timers = stores().timers
    fired = 0
    look = timers.look(now)
    batch, next_due = [], None
    if look.anything_due:
        read = timers.due_and_next(now, limit=BATCH)
        batch, next_due = read.timers, read.next_due
    # Each run fires at least one batch before it looks at its time: a run that started late (a
    # slow cold start, or a busy local stack) still moves on instead of leaving everything due.
    while batch:
        fired += timers.fire_many(batch)  # a few transactions a batch, not one call per timer
        if len(batch) < BATCH:
            batch = []  # that was all that was due at `now`
            break
        read = timers.due_and_next(now, limit=BATCH)
        batch, next_due = read.timers, read.next_due
        if context.get_remaining_time_in_millis() <= SPARE_MILLIS:
            break
    backlog = len(batch)
    if look.anything_due and not backlog:
        timers.mark_next(look, next_due)
    metrics.add_metric(name="TimersFired", unit="Count", value=fired)
    metrics.add_metric(name="TimersBacklog", unit="Count", value=backlog)
    if backlog:
        logger.warning("due timers left for the next sweep", extra={"at_least": backlog})
    return {"fired": fired, "backlog": backlog, "now": clock.iso(now)}
