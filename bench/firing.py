"""One scheduled firing of the local stack (the hourly timers sweep, and everything settled after it).

The stack (local.stack.LocalStack, the handlers over moto, no HTTP) runs in a worker subprocess:
moto's mock and the stack's environment are process-wide. Its background pump and ticker are
slowed right down so that only the measured calls move anything. Per firing is `advance` by
`hours` hours divided by the firings it made; the baseline is one bare DynamoDB Query (of a
one-item partition, through the table adapter and moto's lock), timed in turns with it.

Three states of the table, in this order (each adds to the one before):
  empty       nothing stored
  visits      `visits` visits created by the visits service, with the timers they plan
  applications  plus `applications` applications, stored as the intake service stores them
                (with their email guards; without their events, so no receipts go out)
Rows: the firing in the empty and the full table vs the Query, and the growth of the per-firing
cost from each state to the next (no timer comes due during those: checked). Then firings that
do fire: `due` timers come due within the hour (offer deadlines of applications long gone, so
each is swept, published as TimerFired, delivered to the allocation function and found stale);
the cost per fired timer, everything settled, vs the same Query. Every one must have fired.
"""
from __future__ import annotations

import json
import sys

from bench.measure import Result, in_worker

BENCHMARK = "firing"

EMPTY_TARGET = 3.0          # a quiet firing vs one Query, measured ~0.95-1.05x
FULL_TARGET = 10.0          # with 20 visits' timers and 2,000 applications, measured ~5.5x
APPLICATIONS_TARGET = 1.5   # growth with applications stored, measured ~1.0x
TIMERS_TARGET = 10.0        # growth with 320 pending timers, measured ~5-5.6x (moto reads the whole TIMER
                            # partition per Query: ~12 µs per pending timer per firing)
DUE_TARGET = 60.0           # per fired timer (sweep, stream, bus, queue, consumer) vs one Query


def run(applications: int = 2000, visits: int = 20, hours: int = 6, repeats: int = 9, queries: int = 10,
        due: int = 50, timeout: float = 600) -> list[Result]:
    arguments = {"applications": applications, "visits": visits, "hours": hours, "repeats": repeats,
                 "queries": queries, "due": due}
    measured = in_worker("bench.firing", arguments, timeout)
    empty, with_visits, full, fired = (measured["empty"], measured["visits"], measured["applications"],
                                       measured["due"])
    timers = with_visits["timers"]
    full_label = f"{visits} visits ({timers} timers pending), {applications:,} applications"
    return [
        Result(BENCHMARK, "hourly firing, empty table", empty["firing_ms"], empty["query_ms"], "ms", EMPTY_TARGET,
               "one bare Query", f"advance {hours} h per repetition"),
        Result(BENCHMARK, f"hourly firing, {full_label}", full["firing_ms"], full["query_ms"], "ms", FULL_TARGET,
               "one bare Query", f"advance {hours} h per repetition"),
        Result(BENCHMARK, f"firing growth: +{applications:,} applications stored", full["firing_ms"],
               with_visits["firing_ms"], "ms", APPLICATIONS_TARGET, f"{visits} visits only"),
        Result(BENCHMARK, f"firing growth: +{visits} visits ({timers} timers pending)", with_visits["firing_ms"],
               empty["firing_ms"], "ms", TIMERS_TARGET, "empty table",
               "moto's Query reads the whole TIMER partition"),
        Result(BENCHMARK, f"hourly firing with {due} due timers, per timer fired and handled", fired["per_timer_ms"],
               fired["query_ms"], "ms", DUE_TARGET, "one bare Query",
               f"{fired['fired']} of {fired['scheduled']} fired (swept, published, consumed)"),
    ]


# --- the worker (python -m bench.firing '{json arguments}') -------------------------------------

def _work(applications: int, visits: int, hours: int, repeats: int, queries: int, due: int) -> dict:
    import logging
    import statistics
    import time
    import uuid
    from datetime import datetime, timedelta, timezone

    def clock_iso(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z")

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from local.stack import LocalStack

    start = datetime(2031, 1, 6, 9, 30, tzinfo=timezone.utc)  # half past: real time crosses no hour
    stack = LocalStack(port=0, now=start, pump_interval=3600, tick_interval=3600, warm=False).start()
    try:
        import boto3

        from shared.adapters import table
        from shared.store import timers as timer_items
        from shared.models.application import Application
        from shared.models.visit import Host, VisitFields
        from shared.store import applications as application_store
        from shared.services import visits as visit_service
        from shared.settings import settings
        from shared.store import stores

        table.put({"pk": "BENCH", "sk": "ONE", "note": "the baseline Query's partition"})

        def firing() -> float:
            before = time.process_time()
            fired = stack.advance(stack.now() + timedelta(hours=hours))
            return (time.process_time() - before) / max(1, fired)

        def query() -> float:
            before = time.process_time()
            for _ in range(queries):
                table.query("BENCH")
            return (time.process_time() - before) / queries

        def timers_pending() -> int:
            return len([t for p in timer_items.all_partitions() for t in table.query(p)])

        def measure(state: str) -> dict:
            stack.settle()
            pending = timers_pending()
            firing()  # warm (the sweep's first import, caches)
            firings, bare = [], []
            for repetition in range(max(1, repeats)):
                pair = [(firing, firings), (query, bare)]
                for call, out in (pair if repetition % 2 == 0 else pair[::-1]):
                    out.append(call())
            if timers_pending() != pending or stack.outbox():
                raise RuntimeError(f"{state}: a timer came due while measuring; measure a shorter span")
            return {"firing_ms": 1000 * statistics.median(firings), "query_ms": 1000 * statistics.median(bare),
                    "timers": pending}

        results = {"empty": measure("empty")}

        now = stack.now()
        host = Host(organisation="Lancashire Constabulary", contact_name="Sam Host", contact_email="host@example.org")
        created = [visit_service.create(stores(), VisitFields(
            title=f"Visit {index}", theme="Wellbeing", host=host, venue="Force HQ, Preston",
            starts_at=now + timedelta(days=60 + index), capacity=20,
            applications_close_at=now + timedelta(days=30 + index),
            prep_call_at=now + timedelta(days=45 + index), prep_call_dial_in="0800 000 0000"))
            for index in range(visits)]
        results["visits"] = measure("visits")

        store = boto3.resource("dynamodb").Table(settings().table_name)
        with store.batch_writer() as writer:
            for index in range(applications):
                visit = created[index % len(created)] if created else None
                visit_id = visit.visit_id if visit else "none"
                application = Application(
                    application_id=uuid.uuid4().hex, visit_id=visit_id, organisation=f"Organisation {index % 40}",
                    status="submitted", submitted_at=now, submitted_by=f"lead{index % 40}@org{index % 40}.example",
                    updated_at=now, name=f"Person {index}", email=f"person{index}@org{index % 40}.example",
                    role="staff", job_title="Analyst", motivation="To see how another force does it. " * 5,
                    questions=["How did you start?", "What would you do differently?"], prep_call="join")
                writer.put_item(Item=application_store.to_item(application))
                writer.put_item(Item={**application_store.guard_key(visit_id, application.email),
                                      "application_id": application.application_id})
        results["applications"] = measure("applications")

        from shared.store.timers import DynamoTimers, Timer

        timers = DynamoTimers()
        per_timer, bare, scheduled, fired = [], [], 0, 0
        for repetition in range(max(1, min(repeats, 5))):
            stack.settle()
            at = stack.now() + timedelta(minutes=10)
            for index in range(due):
                timers.schedule(Timer("offer_expiry", at, f"expiry#gone-{repetition}-{index}#{clock_iso(at)}",
                                      {"application_id": f"gone-{repetition}-{index}"}))
            pending = timers_pending()
            before = time.process_time()
            stack.advance(stack.now() + timedelta(hours=1))
            stack.settle()
            per_timer.append((time.process_time() - before) / max(1, due))
            bare.append(query())
            scheduled += due
            fired += pending - timers_pending()
        if fired != scheduled:
            raise RuntimeError(f"{scheduled - fired} of {scheduled} due timers did not fire")
        results["due"] = {"per_timer_ms": 1000 * statistics.median(per_timer), "query_ms": 1000 * statistics.median(bare),
                          "scheduled": scheduled, "fired": fired}
        return results
    finally:
        stack.stop()


if __name__ == "__main__":
    print(json.dumps(_work(**json.loads(sys.argv[1]))), flush=True)
