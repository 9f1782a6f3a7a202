"""The allocation rule (shared.domain.allocation.allocate): time, growth and memory.

Time: one allocation of `applicants` applicants over `organisations` organisations (a visit with
holders, withdrawals and a ledger of earlier places) vs sorting the same applicants by
(organisation, submitted_at), the least any allocation has to do.
Growth: the same allocation with four times the applicants vs the first (linear would be 4x).
Memory: tracemalloc's peak while allocating vs the size of the input itself.
"""
from __future__ import annotations

import random
import tracemalloc
from datetime import datetime, timedelta, timezone

from bench.measure import Result, interleaved
from shared.domain.allocation import Applicant, Limits, allocate

BENCHMARK = "allocation"
START = datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc)
# Mostly fresh applications, some already waitlisted, a few holding places or gone.
STATUSES = ["submitted"] * 14 + ["waitlisted"] * 3 + ["offered", "confirmed", "withdrawn", "expired"]

TIME_TARGET = 15.0     # allocate vs sort, measured ~5.8-6x
GROWTH_TARGET = 6.0    # 4x the applicants, measured ~4.3-4.6x; linear is 4x
MEMORY_TARGET = 2.0    # peak while allocating vs the input, measured ~0.8x


def applicants(count: int, organisations: int, seed: int = 1) -> list[Applicant]:
    rng = random.Random(seed)
    return [Applicant(application_id=f"app-{index:06d}",
                      organisation=f"Organisation {rng.randrange(organisations):03d}",
                      submitted_at=START + timedelta(seconds=rng.randrange(14 * 24 * 3600)),
                      status=rng.choice(STATUSES))
            for index in range(count)]


def limits_for(organisations: int) -> Limits:
    # Room for about one organisation in three at the usual 2..4 each: the round-robin phase has work.
    return Limits(capacity=max(2, organisations * 3 // 2), min_per_organisation=2, max_per_organisation=4)


def ledger_for(organisations: int) -> dict[str, int]:
    return {f"organisation {index:03d}": index % 3 for index in range(organisations)}


def _by_organisation(people: list[Applicant]) -> list[Applicant]:
    return sorted(people, key=lambda a: (a.organisation, a.submitted_at))


def _input_size(count: int, organisations: int) -> int:
    """Bytes the input itself takes (built under tracemalloc)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        built = applicants(count, organisations)
        size = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del built
    return size


def _peak_while_allocating(people: list[Applicant], limits: Limits, ledger: dict[str, int]) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        decision = allocate(people, limits, ledger)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del decision
    return peak


def run(applicants_count: int = 1000, organisations: int = 40, repeats: int = 31, number: int = 5) -> list[Result]:
    people = applicants(applicants_count, organisations)
    more = applicants(4 * applicants_count, organisations, seed=2)
    limits, ledger = limits_for(organisations), ledger_for(organisations)
    allocate(people, limits, ledger)  # warm

    times = interleaved({
        "allocate": lambda: allocate(people, limits, ledger),
        "allocate_4x": lambda: allocate(more, limits, ledger),
        "sort": lambda: _by_organisation(people),
    }, repeats, number=number)
    decision = allocate(people, limits, ledger)
    label = f"{applicants_count:,} applicants, {organisations} organisations"
    peak = _peak_while_allocating(people, limits, ledger)
    size = _input_size(applicants_count, organisations)
    return [
        Result(BENCHMARK, f"allocate: {label}", 1000 * times["allocate"], 1000 * times["sort"], "ms",
               TIME_TARGET, "sort by organisation, submitted_at",
               f"{len(decision.offers)} offers, {len(decision.waitlist)} waitlisted"),
        Result(BENCHMARK, f"allocate: 4x the applicants ({4 * applicants_count:,})", 1000 * times["allocate_4x"],
               1000 * times["allocate"], "ms", GROWTH_TARGET, f"{applicants_count:,} applicants",
               "linear growth is 4x"),
        Result(BENCHMARK, f"allocate: memory peak, {label}", peak / 1024, size / 1024, "KB", MEMORY_TARGET,
               "the input's size", "tracemalloc"),
    ]
