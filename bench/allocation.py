"""The allocation rule (shared.domain.allocation.allocate): time, growth and memory.

Time: one allocation of `applicants` applicants over `organisations` organisations (a visit with
a few holders, withdrawals, a waiting list from an earlier run and a ledger of earlier places;
room for about 2.5 places per organisation, so all three phases give places) vs sorting the same
applicants by (organisation, submitted_at), the least any allocation has to do. The run checks
that offers were made and every other candidate waitlisted.
Growth: the allocation of the full input vs one of a quarter of it (linear would be 4x).
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
# Mostly fresh applications, some already waitlisted, a few gone; holders are added apart.
STATUSES = ["submitted"] * 15 + ["waitlisted"] * 3 + ["withdrawn", "expired"]
HOLDERS_PER_ORGANISATION = 2   # in every fifth organisation (places kept from an earlier run)

TIME_TARGET = 3.0      # allocate vs sort at 100k applicants over 60 organisations, measured ~2.2x
GROWTH_TARGET = 7.0    # 4x the applicants: linear is 4x, n log n ~4.5x; measured ~6.1x, of which the
                       # garbage collector's passes over a 4x larger heap are ~1x (5.2x with gc off)
MEMORY_TARGET = 2.0    # peak while allocating vs the input, measured ~0.8x


def applicants(count: int, organisations: int, seed: int = 1) -> list[Applicant]:
    rng = random.Random(seed)
    people = [Applicant(application_id=f"app-{index:06d}",
                        organisation=f"Organisation {rng.randrange(organisations):03d}",
                        submitted_at=START + timedelta(seconds=rng.randrange(14 * 24 * 3600)),
                        status=rng.choice(STATUSES))
              for index in range(count)]
    holders = [Applicant(application_id=f"held-{org:03d}-{n}", organisation=f"Organisation {org:03d}",
                         submitted_at=START, status="confirmed" if n else "offered")
               for org in range(0, organisations, 5) for n in range(HOLDERS_PER_ORGANISATION)]
    return people + holders


def limits_for(organisations: int) -> Limits:
    # About 2.5 places per organisation at the usual 2..4 each: entering at the minimum and the
    # round-robin both have work, and most candidates end on the waiting list.
    return Limits(capacity=max(2, organisations * 5 // 2), min_per_organisation=2, max_per_organisation=4)


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


def run(applicants_count: int = 100_000, organisations: int = 60, repeats: int = 7, number: int = 1) -> list[Result]:
    people = applicants(applicants_count, organisations)
    quarter = applicants(applicants_count // 4, organisations, seed=2)
    limits, ledger = limits_for(organisations), ledger_for(organisations)
    decision = allocate(people, limits, ledger)  # also warms up
    holders = sum(a.status in ("offered", "confirmed") for a in people)
    candidates = sum(a.status in ("submitted", "waitlisted") for a in people)
    if not decision.offers or len(decision.offers) + holders > limits.capacity \
            or len(decision.offers) + len(decision.waitlist) != candidates:
        raise RuntimeError(f"the allocation did not give the free places: {len(decision.offers)} offers, "
                           f"{len(decision.waitlist)} waitlisted of {candidates} candidates")

    times = interleaved({
        "allocate": lambda: allocate(people, limits, ledger),
        "allocate_quarter": lambda: allocate(quarter, limits, ledger),
        "sort": lambda: _by_organisation(people),
    }, repeats, number=number)
    label = f"{len(people):,} applicants, {organisations} organisations"
    peak = _peak_while_allocating(people, limits, ledger)
    size = _input_size(applicants_count, organisations)
    return [
        Result(BENCHMARK, f"allocate: {label}", 1000 * times["allocate"], 1000 * times["sort"], "ms",
               TIME_TARGET, "sort by organisation, submitted_at",
               f"{len(decision.offers)} offers, {len(decision.waitlist):,} waitlisted"),
        Result(BENCHMARK, f"allocate: growth, {len(people):,} vs {len(quarter):,} applicants", 1000 * times["allocate"],
               1000 * times["allocate_quarter"], "ms", GROWTH_TARGET, f"{len(quarter):,} applicants",
               "linear growth is 4x"),
        Result(BENCHMARK, f"allocate: memory peak, {label}", peak / 1024, size / 1024, "KB", MEMORY_TARGET,
               "the input's size", "tracemalloc"),
    ]
