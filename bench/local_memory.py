"""The local stack at a real programme's size: its memory and request time as applications pile up.

The stack (local.stack.LocalStack, the handlers over moto, requests through its API Gateway
without a socket) runs in a worker subprocess, whose resident memory is what is measured. The
reference year's six visits are created; then `applications` applications are submitted through
the API, spread over the visits and 40 organisations, and everything they cause (receipts) is
settled every `batch` applications. The baseline is the same process before the first
application: started, every handler imported, the six visits created and settled.

Rows: resident memory after all applications vs the baseline; the memory each application adds
in the second half vs the first (flat growth ~1x; moto's own transaction rollback, which copies the
whole table per transacted item, made it grow with the table); the time of one application
request in the last `batch` vs the first. The issue's absolute bound (500 MB at ~500
applications) is checked against the measured value in the note.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.measure import Result

BENCHMARK = "local_memory"
ROOT = Path(__file__).resolve().parents[1]

MEMORY_TARGET = 2.0     # all applications vs the started stack
GROWTH_TARGET = 2.0     # MB per application, second half vs first half
REQUEST_TARGET = 2.0    # one application request, last batch vs first batch
BOUND_MB = 500          # the issue's bound for the reference year (~500 applications)


def run(applications: int = 500, batch: int = 50, timeout: float = 900) -> list[Result]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PORT", "NOW")}
    environment.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    done = subprocess.run([sys.executable, "-m", "bench.local_memory",
                           json.dumps({"applications": applications, "batch": batch})],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the memory worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    baseline, half, full = measured["baseline_mb"], measured["half_mb"], measured["full_mb"]
    first_half, second_half = half - baseline, full - half
    per_app = applications // 2 or 1
    within = "within" if full < BOUND_MB else "OVER"
    return [
        Result(BENCHMARK, f"local stack memory: {applications:,} applications, 6 visits", full, baseline, "MB",
               MEMORY_TARGET, "started stack, 6 visits", f"{within} the {BOUND_MB} MB bound; peak {measured['peak_mb']:.0f} MB"),
        Result(BENCHMARK, "local stack memory per application: second half vs first",
               max(second_half, 0.01) * 1000 / per_app, max(first_half, 0.01) * 1000 / per_app, "KB",
               GROWTH_TARGET, f"first {per_app:,} applications"),
        Result(BENCHMARK, f"application request: last {batch} vs first {batch}", measured["last_ms"],
               measured["first_ms"], "ms", REQUEST_TARGET, f"first {batch} applications",
               "through the local API Gateway, no socket"),
    ]


# --- the worker (python -m bench.local_memory '{json arguments}') -------------------------------

def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _work(applications: int, batch: int) -> dict:
    import gc
    import logging
    import statistics
    import time
    from datetime import datetime, timedelta, timezone

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from local.stack import LocalStack

    start = datetime(2031, 1, 6, 9, 30, tzinfo=timezone.utc)
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
            "venue": "Force HQ, Preston", "starts_at": iso(start + timedelta(days=60 + 10 * index)),
            "capacity": 20, "applications_close_at": iso(start + timedelta(days=30 + 10 * index)),
            "prep_call_at": None}, coordinator)["visit_id"] for index in range(6)]
        members = [stack.issue_token(f"lead@org{n}.example", organisation=f"Organisation {n}") for n in range(40)]
        stack.settle()
        gc.collect()
        baseline = _rss_mb()

        timings: list[float] = []
        measured: dict = {"baseline_mb": baseline}
        for index in range(applications):
            organisation = index % 40
            before = time.perf_counter()
            call("POST", f"/visits/{visits[index % 6]}/applications", {
                "name": f"Person {index}", "email": f"person{index}@org{organisation}.example", "role": "police",
                "job_title": "Detective Sergeant", "motivation": "To bring good practice back to my force. " * 4,
                "questions": ["How did you get started?", "What would you do differently?"],
                "prep_call": "join"}, members[organisation])
            timings.append(time.perf_counter() - before)
            if (index + 1) % batch == 0 or index + 1 == applications:
                stack.settle()
            if index + 1 == applications // 2:
                stack.settle()
                gc.collect()
                measured["half_mb"] = _rss_mb()
        gc.collect()
        measured.update(full_mb=_rss_mb(), peak_mb=_rss_mb("VmHWM"),
                        first_ms=1000 * statistics.median(timings[:batch]),
                        last_ms=1000 * statistics.median(timings[-batch:]),
                        emails=len(stack.outbox()))
        return measured
    finally:
        stack.stop()


if __name__ == "__main__":
    arguments = json.loads(sys.argv[1])
    print(json.dumps(_work(**arguments)), flush=True)
