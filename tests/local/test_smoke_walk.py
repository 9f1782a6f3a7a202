"""The team's black-box smoke walk (`../shared/checks/smoke.py`) against a fresh local stack.

The walk uses fixed addresses and moves the clock some ten weeks, so it gets a stack of its own
(the clock at the real time, as `make run` starts it) rather than the session's shared one.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.local.conftest import ROOT, start_stack, stop_stack

SMOKE = ROOT.parent / "shared" / "checks" / "smoke.py"


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory):
    if not SMOKE.is_file():
        pytest.skip(f"the team's smoke walk is not here: {SMOKE} is missing")
    log = tmp_path_factory.mktemp("smoke") / "smoke-stack.log"
    stack = start_stack(log, "--no-warm")  # NOW unset: the clock starts at the real time
    yield stack
    assert stop_stack(stack) == 0, log.read_text()


def test_smoke_walk_holds_against_a_fresh_stack(fresh_stack):
    walk = subprocess.run([sys.executable, str(SMOKE), fresh_stack.url], cwd=SMOKE.parent,
                          capture_output=True, text=True, timeout=600, check=False)
    output = walk.stdout + walk.stderr
    assert walk.returncode == 0, f"the smoke walk failed (exit {walk.returncode}):\n{output}\n" \
                                 f"--- stack log ---\n{fresh_stack.log.read_text()[-4000:]}"
    assert "all steps hold" in walk.stdout, output
    assert "FAIL" not in walk.stdout, output
