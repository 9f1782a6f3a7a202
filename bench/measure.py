"""What every benchmark shares: interleaved timing, medians, results as ratios, the table.

A result is a ratio of what is measured to a baseline measured in the same run (so a slower or
busier machine moves both), checked against a target ratio: `ratio < target` passes. Times are
the process's CPU time: on a machine shared with other work, wall-clock time also measures the
wait for a core (seen here: 2-3x swings between runs), CPU time much less.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Result:
    benchmark: str      # the module that measured it ("allocation", "cold_start", ...)
    name: str
    measured: float     # in `unit`
    baseline: float     # in `unit`
    unit: str           # "ms", "µs", "KB", "MB"
    target: float       # the ratio must stay below this
    baseline_name: str  # what the baseline is
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.baseline > 0:
            return self.measured / self.baseline
        return math.inf if self.measured > 0 else 1.0

    @property
    def passed(self) -> bool:
        return self.ratio < self.target

    def as_dict(self) -> dict:
        """One row of bench/results.json: name, value, baseline, ratio, target, pass (and context)."""
        return {"name": self.name, "value": round(self.measured, 4), "baseline": round(self.baseline, 4),
                "ratio": round(self.ratio, 3), "target": self.target, "pass": self.passed, "unit": self.unit,
                "baseline_name": self.baseline_name, "benchmark": self.benchmark, "note": self.note}


def interleaved(subjects: dict[str, Callable[[], object]], repeats: int, *, number: int = 1) -> dict[str, float]:
    """Median CPU seconds per call of each subject, timed in turns: every repetition times each subject
    once (`number` calls), in an order rotated at each repetition so none is always first."""
    names = list(subjects)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(max(1, repeats)):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            call = subjects[name]
            started = time.process_time()
            for _ in range(number):
                call()
            samples[name].append((time.process_time() - started) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


HEADERS = ("benchmark", "measured", "baseline", "ratio", "target", "verdict")


def rows(results: list[Result]) -> list[tuple[str, ...]]:
    return [(r.name, f"{_number(r.measured)} {r.unit}", f"{_number(r.baseline)} {r.unit} ({r.baseline_name})",
             f"{r.ratio:.2f}x", f"< {r.target:g}x", "ok" if r.passed else "MISSED") for r in results]


def table(results: list[Result]) -> str:
    """A Markdown table (readable in a terminal, pasteable into the README)."""
    body = rows(results)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(HEADERS)]
    right = {1, 2, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(HEADERS), rule, *(line(row) for row in body)])


ROOT = Path(__file__).resolve().parents[1]


def in_worker(module: str, arguments: dict, timeout: float) -> dict:
    """What `python -m module '<arguments as JSON>'` measured in a fresh process (moto's mock and the
    local stack are process-wide): the JSON of its last line of output. The worker gets this process's
    environment but the local stack's PORT, NOW and FAULTS (a bench measures no injected faults), and
    Powertools' logging at ERROR unless set."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PORT", "NOW", "FAULTS")}
    environment.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    done = subprocess.run([sys.executable, "-m", module, json.dumps(arguments)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the {module} worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
