"""Cold start: importing a Lambda handler module in a fresh Python process.

Each handler module of shared.topology is imported in its own fresh process (the tests'
environment, tests/conftest.py's TEST_ENV) and timed whole, from spawn to exit, against a fresh
process that only imports boto3; both in turns, median of `repeats`. The process's peak RSS is
compared the same way. One more row times the floor TOOLCHAIN.md measured (boto3, pydantic, the
REST resolver, Logger/Tracer/Metrics imported) against the same baseline, for scale.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import Result, median_of

BENCHMARK = "cold_start"
ROOT = Path(__file__).resolve().parents[1]

TIME_TARGET = 6.0      # a handler vs `import boto3`, measured ~2.8-4.4x (sweep lightest, reminders heaviest)
MEMORY_TARGET = 3.0    # peak RSS, measured ~1.9-2.4x
FLOOR_TARGET = 2.0     # TOOLCHAIN's floor vs `import boto3`, measured ~1.35-1.45x

BASELINE = "import boto3"
FLOOR = ("import boto3, pydantic\n"
         "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
         "from aws_lambda_powertools import Logger, Tracer, Metrics")
# The child reports its own peak RSS (KB on Linux) after the import, on its last line.
REPORT_RSS = "\nimport resource as _r; print(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss)"


def test_env() -> dict[str, str]:
    """tests/conftest.py's TEST_ENV, read without importing it (importing sets os.environ)."""
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TEST_ENV" for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError("tests/conftest.py defines no TEST_ENV")


def handler_modules() -> list[str]:
    from shared.topology import FUNCTIONS

    return [function.handler.rsplit(".", 1)[0] for function in FUNCTIONS]


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}
    environment.update(test_env())
    return environment


def _spawn(code: str, environment: dict[str, str]) -> tuple[float, int]:
    """(seconds from spawn to exit, peak RSS in KB) of `python -c code` in the project's root."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + REPORT_RSS], cwd=ROOT, env=environment,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`{code}` failed in a fresh process:\n{done.stderr[-2000:]}")
    return elapsed, int(done.stdout.strip().splitlines()[-1])


def run(modules: list[str] | None = None, repeats: int = 5, floor: bool = True) -> list[Result]:
    modules = modules if modules is not None else handler_modules()
    environment = _environment()
    subjects = {BASELINE: BASELINE, **{m: f"import {m}" for m in modules}}
    if floor:
        subjects["floor"] = FLOOR
    for code in subjects.values():  # warm-up: compile .pyc files, fill the page cache
        _spawn(code, environment)
    seconds: dict[str, list[float]] = {name: [] for name in subjects}
    rss: dict[str, list[int]] = {name: [] for name in subjects}
    names = list(subjects)
    for repetition in range(max(1, repeats)):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, peak = _spawn(subjects[name], environment)
            seconds[name].append(elapsed)
            rss[name].append(peak)
    base_ms, base_mb = 1000 * median_of(seconds[BASELINE]), median_of(rss[BASELINE]) / 1024
    results = []
    for module in modules:
        results.append(Result(BENCHMARK, f"cold start: import {module}", 1000 * median_of(seconds[module]), base_ms,
                              "ms", TIME_TARGET, BASELINE, "fresh process, spawn to exit"))
    for module in modules:
        results.append(Result(BENCHMARK, f"cold start memory: import {module}", median_of(rss[module]) / 1024,
                              base_mb, "MB", MEMORY_TARGET, BASELINE, "peak RSS"))
    if floor:
        results.append(Result(BENCHMARK, "cold start: TOOLCHAIN floor (boto3+pydantic+resolver+Powertools)",
                              1000 * median_of(seconds["floor"]), base_ms, "ms", FLOOR_TARGET, BASELINE,
                              "TOOLCHAIN.md: 173 vs 137 ms"))
    return results
