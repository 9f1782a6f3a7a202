"""Cold start: importing each Lambda handler, in the deployed form, in a fresh Python process.

The deployed form is rebuilt here for this machine's Python: the functions' source asset
(`shared/`, `functions/`, as infra/bytecode.py bundles it) and the dependency layer (the
distributions of requirements-layer.txt, copied from this environment) on PYTHONPATH, boto3 and
botocore from the environment (the Lambda runtime ships its own, compiled), the tests'
environment variables (tracing off), and PYTHONDONTWRITEBYTECODE (Lambda cannot write
`__pycache__`). It is built twice: with `.pyc` compiled as the assets carry them
(unchecked-hash), and without any.

The baseline is the floor no handler can avoid, in the same tree: boto3, a pydantic model class
(`from pydantic import BaseModel`: `import pydantic` alone loads nothing of pydantic 2, whose
package is lazy, and every handler reads its settings through a model), the Powertools REST
resolver, Logger, Metrics and Tracer, imported. A handler is measured importing the floor first, then
itself: what it costs beyond the floor, even where it imports part of the floor only when first used (a
handler that left boto3 to its first request would otherwise look cheaper than the floor while its
first request pays for it). Each subject runs in its own fresh process, all in
turns (`repeats` rounds, medians); time is the child's CPU time (user + system) from its start to the end
of the import (its exit left out, see REPORT), which a busy
machine disturbs far less than wall-clock time; memory is the child's peak RSS.
Rows: each handler with `.pyc` vs the floor with `.pyc` (time, then memory), and what the
`.pyc` save: every handler's time with them vs without them.
"""
from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import Result, median_of

BENCHMARK = "cold_start"
ROOT = Path(__file__).resolve().parents[1]

TIME_TARGET = 1.25     # a handler vs the floor (CPU time), deployed form with .pyc
MEMORY_TARGET = 1.25   # peak RSS, the same
PYC_TARGET = 0.8       # every handler with .pyc vs without: the bytecode is really used

FLOOR = ("import boto3\n"
         "from pydantic import BaseModel\n"
         "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
         "from aws_lambda_powertools import Logger, Metrics, Tracer")
# The child reports, on its last line, its own CPU seconds and peak RSS (KB) once the import is done:
# a cold start is the interpreter's start and the imports, never its exit (an execution environment is
# not torn down while it serves), and the interpreter's exit costs as much again as the imports here
# (a full garbage collection and every module's teardown), which would blur what the imports cost.
# VmHWM is read from /proc, since Linux carries ru_maxrss over an exec (a child would report its
# parent's peak).
REPORT = ("\nimport resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF)\n"
          "print(_u.ru_utime + _u.ru_stime, next(int(line.split()[1]) for line in open('/proc/self/status') "
          "if line.startswith('VmHWM:')))")


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


def layer_distributions() -> list[str]:
    """The distributions the dependency layer holds (requirements-layer.txt)."""
    names = []
    for raw in (ROOT / "requirements-layer.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            names.append(line.split("==")[0].split("[")[0].strip())
    return names


def build_deployed(directory: Path, compiled: bool) -> tuple[Path, Path]:
    """(task, layer) folders as Lambda would see them, for this machine's Python."""
    from infra.bytecode import bundle_source, compile_tree

    task, layer = directory / "task", directory / "opt" / "python"
    version = "%d.%d" % sys.version_info[:2]
    bundle_source(ROOT, task, version, compiled=compiled, python=sys.executable)
    for name in layer_distributions():
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            if "__pycache__" in file.parts or file.suffix == ".pyc" or file.parts[0] == "..":
                continue
            source = Path(distribution.locate_file(file))
            if source.is_file():
                target = layer / file
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    if compiled:
        compile_tree(layer, version, python=sys.executable)
    return task, layer


def _environment(task: Path, layer: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    environment.update(test_env())
    environment.update(PYTHONPATH=f"{task}{os.pathsep}{layer}", PYTHONDONTWRITEBYTECODE="1")
    return environment


def _spawn(code: str, cwd: Path, environment: dict[str, str]) -> tuple[float, int]:
    """(CPU seconds, peak RSS in KB) of a fresh `python -c code` in `cwd`, up to the end of `code`."""
    done = subprocess.run([sys.executable, "-c", code + REPORT], cwd=cwd, env=environment,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`{code}` failed in a fresh process:\n{done.stderr[-2000:]}")
    spent, peak = done.stdout.strip().splitlines()[-1].split()
    return float(spent), int(peak)


def measure(modules: list[str], repeats: int, directory: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """{(variant, subject): (median CPU ms, median peak RSS MB)} for variants "pyc" and "source"."""
    variants = {}
    for variant in ("pyc", "source"):
        task, layer = build_deployed(directory / variant, compiled=variant == "pyc")
        variants[variant] = (task, _environment(task, layer))
    subjects = {"floor": FLOOR, **{m: f"{FLOOR}\nimport {m}" for m in modules}}
    runs = [(variant, name) for variant in variants for name in subjects]
    for variant, name in runs:  # warm-up: the page cache
        _spawn(subjects[name], *variants[variant])
    cpu: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    rss: dict[tuple[str, str], list[int]] = {run: [] for run in runs}
    for repetition in range(max(1, repeats)):
        shift = repetition % len(runs)
        for run in runs[shift:] + runs[:shift]:
            spent, peak = _spawn(subjects[run[1]], *variants[run[0]])
            cpu[run].append(spent)
            rss[run].append(peak)
    return {run: (1000 * median_of(cpu[run]), median_of(rss[run]) / 1024) for run in runs}


def run(modules: list[str] | None = None, repeats: int = 7) -> list[Result]:
    modules = modules if modules is not None else handler_modules()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as directory:
        medians = measure(modules, repeats, Path(directory))
    floor_ms, floor_mb = medians[("pyc", "floor")]
    floor = "the floor, deployed with .pyc"
    results = [Result(BENCHMARK, f"cold start: import {m} (deployed, .pyc)", medians[("pyc", m)][0], floor_ms,
                      "ms", TIME_TARGET, floor, "CPU time of a fresh process to the end of the import")
               for m in modules]
    results += [Result(BENCHMARK, f"cold start memory: import {m} (deployed, .pyc)", medians[("pyc", m)][1],
                       floor_mb, "MB", MEMORY_TARGET, floor, "peak RSS") for m in modules]
    with_pyc = sum(medians[("pyc", m)][0] for m in modules)
    without = sum(medians[("source", m)][0] for m in modules)
    results.append(Result(BENCHMARK, f"cold start: all {len(modules)} handlers with .pyc vs without", with_pyc, without,
                          "ms", PYC_TARGET, "the same without .pyc",
                          f"floor without .pyc: {medians[('source', 'floor')][0]:.0f} ms"))
    return results
