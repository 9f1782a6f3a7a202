"""AWS calls made by the functions: counted, not timed (each call is a round trip in AWS).

A worker process runs the local stack (the real handlers over moto, no background pump) and
counts every botocore API call made inside a function's invocation, per function: the local
stack's own calls (polling the stream and the queues) are not counted, as Lambda's pollers are
not the functions' calls. One visit, `applications` applications from `organisations`
organisations, then:
  an accepted application   calls of the intake function answering one POST (synchronous), without
                            and with an Idempotency-Key; the budget is 2
  allocation                calls of the allocation function allocating every application, per
                            application (its writes batched: O(N / batch))
  the sweep                 calls of the sweep per due timer fired (its deletes batched)
  the publisher             PutEvents calls per event published (ten entries per call)
  per email                 every function's calls while the receipts, offers and waiting-list
                            emails went out, per email sent
The baseline of each row is its budget (a count), so the ratio says how much of it is used.
"""
from __future__ import annotations

import json
import sys

from bench.measure import Result, in_worker

BENCHMARK = "calls"

APPLICATION_BUDGET = 2.0       # synchronous calls per accepted application
ALLOCATION_BUDGET = 0.2        # calls per application allocated (batched writes)
SWEEP_BUDGET = 0.2             # calls per timer fired
PUBLISHER_BUDGET = 0.1         # PutEvents calls per event (ten per call)
EMAIL_BUDGET = 8.0             # calls per email (claim, send, mark, its links, what it reads)


def run(applications: int = 100, organisations: int = 20, timers: int = 50, timeout: float = 900) -> list[Result]:
    arguments = {"applications": applications, "organisations": organisations, "timers": timers}
    m = in_worker("bench.calls", arguments, timeout)

    def row(name: str, value: float, budget: float, note: str) -> Result:
        return Result(BENCHMARK, name, value, budget, "calls", 1.001, "the budget", note)

    return [
        row("AWS calls: an accepted application (synchronous)", m["application"], APPLICATION_BUDGET,
            f"{m['application_operations']}"),
        row("AWS calls: an accepted application with an Idempotency-Key", m["application_idempotent"],
            APPLICATION_BUDGET, f"{m['application_idempotent_operations']}"),
        row(f"AWS calls: allocating {applications} applications, per application", m["allocation_per_application"],
            ALLOCATION_BUDGET, f"{m['allocation_calls']} calls: {m['allocation_operations']}"),
        row(f"AWS calls: the sweep, per due timer ({timers} due)", m["sweep_per_timer"], SWEEP_BUDGET,
            f"{m['sweep_operations']}"),
        row("AWS calls: the publisher's PutEvents, per event", m["putevents_per_event"], PUBLISHER_BUDGET,
            f"{m['events']} events"),
        row("AWS calls: per email sent (receipts, offers, waiting list)", m["per_email"], EMAIL_BUDGET,
            f"{m['emails']} emails; {m['email_operations']}"),
    ]


# --- the worker (python -m bench.calls '{json arguments}') --------------------------------------

def _work(applications: int, organisations: int, timers: int) -> dict:
    import logging
    import threading
    import urllib.request
    from collections import Counter
    from datetime import datetime, timedelta, timezone

    import botocore.client

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from local.runtime import Runtime
    from local.stack import LocalStack

    current = threading.local()
    counted: Counter = Counter()   # (function, "service.Operation") -> calls
    original_call, original_invoke = botocore.client.BaseClient._make_api_call, Runtime.invoke

    def counting_call(self, operation_name, api_params):
        function = getattr(current, "function", None)
        if function is not None:
            counted[(function, f"{self.meta.service_model.service_name}.{operation_name}")] += 1
        return original_call(self, operation_name, api_params)

    def counting_invoke(self, name, event):
        outer = getattr(current, "function", None)
        current.function = name
        try:
            return original_invoke(self, name, event)
        finally:
            current.function = outer

    botocore.client.BaseClient._make_api_call = counting_call
    Runtime.invoke = counting_invoke

    def calls(function: str | None = None) -> int:
        return sum(n for (f, _), n in counted.items() if function is None or f == function)

    def operations(function: str | None = None) -> str:
        found = Counter({op: n for (f, op), n in counted.items() if function is None or f == function})
        return ", ".join(f"{op} {n}" for op, n in found.most_common())

    start = datetime(2031, 1, 6, 9, 30, tzinfo=timezone.utc)
    stack = LocalStack(port=0, now=start, pump_interval=3600, tick_interval=3600, warm=True).start()
    try:
        def call(method: str, path: str, body=None, token: str | None = None, headers: dict | None = None):
            request = urllib.request.Request(stack.url + path, method=method,
                                             data=json.dumps(body).encode() if body is not None else None)
            request.add_header("Content-Type", "application/json")
            if token:
                request.add_header("Authorization", f"Bearer {token}")
            for name, value in (headers or {}).items():
                request.add_header(name, value)
            with urllib.request.urlopen(request, timeout=120) as answer:
                return json.loads(answer.read() or b"null")

        def token(email: str, **claims) -> str:
            return call("POST", "/_local/token", {"email": email, **claims})["token"]

        coordinator = token("coordinator@centre.example", groups=["coordinators"])
        visit = call("POST", "/visits", {
            "title": "Calls", "theme": "Counting", "venue": "HQ", "capacity": 20,
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Host", "contact_email": "host@l.example"},
            "starts_at": (start + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "applications_close_at": (start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "prep_call_at": None}, token=coordinator)
        stack.settle()
        members = [token(f"lead@org{o}.example", organisation=f"Organisation {o}") for o in range(organisations)]
        counted.clear()
        sync, sync_idempotent = [], []
        for index in range(applications):
            if index in (0, 1):
                counted.clear()  # the operations of one application, with (0) and without (1) a key
            body = {"name": f"Person {index}", "email": f"p{index}@org{index % organisations}.example",
                    "role": "police", "job_title": "Sergeant", "motivation": "To learn.", "questions": ["How?"],
                    "prep_call": "join"}
            before = calls("intake")
            idempotent = index % 10 == 0
            call("POST", f"/visits/{visit['visit_id']}/applications", body, token=members[index % organisations],
                 headers={"Idempotency-Key": f"key-{index}"} if idempotent else None)
            (sync_idempotent if idempotent else sync).append(calls("intake") - before)
            if index == 0:
                idempotent_operations = operations("intake")
            if index == 1:
                application_operations = operations("intake")
        emails_before = len(stack.outbox())
        counted.clear()
        stack.settle()
        counted_receipts, receipt_operations = calls(), operations()
        receipts = len(stack.outbox()) - emails_before

        counted.clear()
        call("POST", f"/visits/{visit['visit_id']}/allocation", token=coordinator)
        allocation_calls, allocation_operations = calls("allocation"), operations("allocation")
        emails_before = len(stack.outbox())
        counted.clear()
        stack.settle()
        counted_offers, offer_operations = calls(), operations()
        offers = len(stack.outbox()) - emails_before
        published = stack.stream.published if hasattr(stack.stream, "published") else None

        from shared.store.timers import DynamoTimers, Timer

        timer_store = DynamoTimers()

        due_at = stack.now() + timedelta(minutes=10)
        for index in range(timers):
            timer_store.schedule(Timer("offer_expiry", due_at, f"expiry#gone-{index}", {"application_id": f"gone-{index}"}))
        stack.settle()
        counted.clear()
        stack.advance(stack.now() + timedelta(hours=1))
        sweep_calls, sweep_operations = calls("sweep"), operations("sweep")
        events_from_timers = counted[("publisher", "events.PutEvents")]
        emails = receipts + offers
        return {
            "application": max(sync), "application_operations": application_operations,
            "application_idempotent": max(sync_idempotent), "application_idempotent_operations": idempotent_operations,
            "allocation_calls": allocation_calls, "allocation_per_application": allocation_calls / applications,
            "allocation_operations": allocation_operations,
            "sweep_per_timer": sweep_calls / timers, "sweep_operations": sweep_operations,
            "putevents_per_event": events_from_timers / timers, "events": published or timers,
            "per_email": (counted_receipts + counted_offers) / max(1, emails), "emails": emails,
            "email_operations": f"receipts {counted_receipts} calls for {receipts} ({receipt_operations}); offers and "
                                f"waiting list {counted_offers} for {offers} ({offer_operations})",
        }
    finally:
        stack.stop()


if __name__ == "__main__":
    print(json.dumps(_work(**json.loads(sys.argv[1]))), flush=True)
