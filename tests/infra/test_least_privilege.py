"""Least privilege, measured: what each function may do (its topology needs, which the template
grants exactly: tests/infra/test_stack.py) against what it does.

The local stack runs the same handlers over moto; every botocore call made inside a function's
invocation is recorded as the need it exercises (tests/infra/aws_calls.py) while the team's
smoke walk and tests/infra/walk_operations.py drive it over HTTP. A call outside the function's
needs would be refused in AWS (AccessDenied); a need never exercised is a permission too many,
unless it is listed below with the path that needs it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared import topology
from tests.infra.aws_calls import ROOT, SMOKE

WALKS = [SMOKE, Path(__file__).with_name("walk_operations.py"), Path(__file__).with_name("walk_console.py")]

# Needs the walks do not reach, each with the path that uses it.
UNWALKED = {
    ("visits", "table:ConditionCheckItem"): "learning points sent through a link: the report must not exist yet "
                                            "(one transaction with the points)",
    ("allocation", "idempotency"): "POST allocation and confirm with an Idempotency-Key",
    ("reminders", "idempotency"): "POST prep-call, reflections and stop-follow-up with an Idempotency-Key",
    ("reports", "idempotency"): "POST learning-points and hidden-points with an Idempotency-Key",
    ("allocation", "table:DeleteItem"): "a send that failed releases its claim (SentStore.release)",
    ("reminders", "table:DeleteItem"): "a send that failed releases its claim (SentStore.release)",
    ("reminders", "table:UpdateItem"): "POST prep-call and stop-follow-up change the application "
                                       "(applications.change); the walks answer the call through a link",
    ("reports", "table:DeleteItem"): "a send that failed releases its claim (SentStore.release)",
    ("console", "bucket:GetObject"): "hiding a point of a published report re-publishes its documents "
                                     "(tests/browser/test_console.py)",
    ("reminders", "bucket:GetObject"): "the background material attached to its email, 24 h before the call",
}


@pytest.fixture(scope="module")
def used(tmp_path_factory) -> dict[str, set[str]]:
    if not SMOKE.is_file():
        pytest.skip(f"the team's smoke walk is not here: {SMOKE}")
    out = tmp_path_factory.mktemp("calls") / "calls.json"
    done = subprocess.run([sys.executable, "-m", "tests.infra.aws_calls", str(out), *map(str, WALKS)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    recorded = json.loads(out.read_text())
    # Powertools' idempotency records are one need (its four calls; a replay or a failure needs the rest).
    return {name: {"idempotency" if need.startswith("idempotency:") else need for need in needs}
            for name, needs in recorded.items()}


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_calls_nothing_beyond_its_needs(used, spec):
    assert used.get(spec.name, set()) <= spec.needs, \
        f"{spec.name} would be refused in AWS: {sorted(used[spec.name] - spec.needs)}"


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_needs_nothing_it_does_not_use(used, spec):
    unused = {need for need in spec.needs - used.get(spec.name, set()) if (spec.name, need) not in UNWALKED}
    assert not unused, f"{spec.name} may do what it never does: {sorted(unused)}"


def test_every_unwalked_need_is_still_declared():
    stale = [key for key in UNWALKED if key[1] not in topology.function(key[0]).needs]
    assert not stale
