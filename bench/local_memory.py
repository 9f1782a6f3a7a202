"""The local stack at a real programme's size: its memory and request time as the table grows.

The stack (local.stack.LocalStack: the handlers over moto, requests through its API Gateway without
a socket) runs in a worker subprocess, whose resident memory (RSS) is what is measured. Six visits
are created, as in the reference year; then `applications` applications are submitted through the
API, colleagues in pairs, spread over the visits and 40 organisations, everything they cause
(receipts) settled every `batch` applications; then the clock moves through every hourly firing past
the last visit's closing date (the visits themselves come later), so that each visit is allocated and
its offers sent, reminded, confirmed or lapsed, its waiting list moved. The baseline is the same
process before the first application: started, every handler imported, the six visits created.

Rows: resident memory after all applications vs the baseline; the memory each application adds in
the second half vs the first (flat growth ~1x: moto's own transaction rollback, which copies the
whole table per transacted item, made it grow with the table, 734 MB at 90 applications, until
local/transactions.py); one application request in the last `batch` vs the first; resident memory
once every visit is allocated vs the baseline (moto's record of every instance it made took it past
660 MB, until local/emulation.py switched it off). Issue 14's absolute bound (500 MB at ~500
applications) is checked against the measured values in the notes, as is the size of the emails
moto keeps for the outbox (as text, and as kept compressed by local/sent_mail.py).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.measure import Result, in_worker

BENCHMARK = "local_memory"

VISITS = 6
ORGANISATIONS = 40
MEMORY_TARGET = 2.0     # after the applications (and after allocating) vs the started stack
GROWTH_TARGET = 2.0     # KB per application, second half vs first half
REQUEST_TARGET = 2.0    # one application request, last batch vs first batch
BOUND_MB = 500          # issue 14's bound for the reference year (~500 applications)


def run(applications: int = 500, batch: int = 50, close_after_days: int = 30, spacing_days: int = 10,
        timeout: float = 1800) -> list[Result]:
    """`close_after_days`: the first visit's applications close this long after the start, each next
    one `spacing_days` later (the clock is moved through every hourly firing in between)."""
    arguments = {"applications": applications, "batch": batch, "close_after_days": close_after_days,
                 "spacing_days": spacing_days}
    return results(in_worker("bench.local_memory", arguments, timeout), applications, batch)


def results(measured: dict, applications: int, batch: int) -> list[Result]:
    """The rows, from what the worker measured."""
    baseline, half, full = measured["baseline_mb"], measured["half_mb"], measured["full_mb"]
    per_half = max(applications // 2, 1)
    started = f"started stack, {VISITS} visits"

    def bound(mb: float) -> str:
        return f"{'within' if mb < BOUND_MB else 'OVER'} the {BOUND_MB} MB bound"

    return [
        Result(BENCHMARK, f"local stack memory: {applications:,} applications, {VISITS} visits", full, baseline,
               "MB", MEMORY_TARGET, started, f"{bound(full)}; peak {measured['applications_peak_mb']:.0f} MB"),
        Result(BENCHMARK, "local stack memory per application: second half vs first",
               max(full - half, 0.01) * 1024 / per_half, max(half - baseline, 0.01) * 1024 / per_half, "KB",
               GROWTH_TARGET, f"first {per_half:,} applications"),
        Result(BENCHMARK, f"application request: last {batch} vs first {batch}", measured["last_ms"],
               measured["first_ms"], "ms", REQUEST_TARGET, f"first {batch} applications",
               "through the local API Gateway, no socket; wall-clock medians"),
        Result(BENCHMARK, f"local stack memory: {VISITS} visits allocated ({measured['emails']:,} emails sent)",
               measured["allocated_mb"], baseline, "MB", MEMORY_TARGET, started,
               f"{bound(measured['peak_mb'])} at its peak, {measured['peak_mb']:.0f} MB; "
               f"{measured['firings']:,} hourly firings; the emails kept (raw MIME) {measured['emails_mb']:.0f} MB, "
               f"compressed to {measured.get('emails_kept_mb', measured['emails_mb']):.1f} MB"),
    ]


# --- the worker (python -m bench.local_memory '{json arguments}') -------------------------------

def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    import resource  # not Linux: the peak is all there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _work(applications: int, batch: int, close_after_days: int, spacing_days: int) -> dict:
    import gc
    import logging
    import statistics
    import time
    from datetime import datetime, timedelta, timezone

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from local.stack import LocalStack

    start = datetime(2031, 1, 6, 9, 30, tzinfo=timezone.utc)
    closes = [start + timedelta(days=close_after_days + spacing_days * index) for index in range(VISITS)]
    # The background threads stay idle (an hour between passes): the worker settles and moves the clock itself.
    stack = LocalStack(port=0, now=start, pump_interval=3600, tick_interval=3600, warm=True).start()
    try:
        def call(method: str, path: str, body: dict, token: str) -> dict:
            answer = stack.handle_api(method=method, raw_path=path, query="", body=json.dumps(body).encode(),
                                      headers=[("Content-Type", "application/json"),
                                               ("Authorization", f"Bearer {token}")])
            if answer.status >= 300:
                raise RuntimeError(f"{method} {path}: {answer.status} {answer.body[:300]!r}")
            return json.loads(answer.body)

        def iso(moment: datetime) -> str:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

        coordinator = stack.issue_token("coordinator@centre.example", organisation="Research Centre",
                                        groups=["coordinators"])
        visits = [call("POST", "/visits", {
            "title": f"Visit {index + 1}", "theme": "Staff wellbeing and personal resilience",
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Sam Host",
                     "contact_email": f"host{index}@lancashire.example"},
            "venue": "Force HQ, Preston", "starts_at": iso(closes[-1] + timedelta(days=30 + index)),
            "capacity": 20, "applications_close_at": iso(closes[index]),
            "prep_call_at": None}, coordinator)["visit_id"] for index in range(VISITS)]
        members = [stack.issue_token(f"lead@org{n}.example", organisation=f"Organisation {n}")
                   for n in range(ORGANISATIONS)]
        stack.settle()
        gc.collect()
        measured: dict = {"baseline_mb": _rss_mb()}

        timings: list[float] = []
        for index in range(applications):
            # Colleagues apply in pairs (the allocation rule offers places to organisations in pairs).
            organisation, visit = (index // 2) % ORGANISATIONS, visits[(index // 2) % VISITS]
            before = time.perf_counter()
            call("POST", f"/visits/{visit}/applications", {
                "name": f"Person {index}", "email": f"person{index}@org{organisation}.example", "role": "police",
                "job_title": "Detective Sergeant", "motivation": "To bring good practice back to my force. " * 4,
                "questions": ["How did you get started?", "What would you do differently?"],
                "prep_call": "join"}, members[organisation])
            timings.append(time.perf_counter() - before)
            if (index + 1) % batch == 0 or index + 1 == applications:
                stack.settle()
            if index + 1 == max(applications // 2, 1):
                stack.settle()
                gc.collect()
                measured["half_mb"] = _rss_mb()
        gc.collect()
        measured.update(full_mb=_rss_mb(), applications_peak_mb=_rss_mb("VmHWM"),
                        first_ms=1000 * statistics.median(timings[:batch]),
                        last_ms=1000 * statistics.median(timings[-batch:]))

        # Past the last closing date: each visit is allocated in turn, by the hourly firings in between.
        measured["firings"] = stack.advance(closes[-1] + timedelta(hours=2))
        stack.settle()
        gc.collect()
        measured.update(allocated_mb=_rss_mb(), peak_mb=_rss_mb("VmHWM"))
        # What moto keeps of each email sent (its raw MIME: the outbox and the mail viewer read it).
        from moto.ses.models import ses_backends

        from local import env, sent_mail

        sent = ses_backends[env.ACCOUNT_ID][env.REGION].sent_messages
        measured.update(emails=len(sent), emails_mb=sum(len(getattr(m, "raw_data", "") or "") for m in sent) / 2**20,
                        emails_kept_mb=sum(sent_mail.kept_bytes(m) for m in sent) / 2**20)
        return measured
    finally:
        stack.stop()


if __name__ == "__main__":
    print(json.dumps(_work(**json.loads(sys.argv[1]))), flush=True)
