"""The Lambda assets carry bytecode of the runtime's Python version, used without checking the source."""
from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from infra.bytecode import NoInterpreter, bundle_source, interpreter
from infra.functions import RUNTIME, RUNTIME_VERSION
from infra.layer import PYTHON_VERSION

ROOT = Path(__file__).resolve().parents[2]
HOST_VERSION = "%d.%d" % sys.version_info[:2]


def test_the_layer_and_the_functions_are_built_for_the_runtime_they_run_on():
    assert RUNTIME.name == f"python{RUNTIME_VERSION}" and PYTHON_VERSION == RUNTIME_VERSION


def test_the_source_asset_holds_shared_and_functions_with_unchecked_hash_bytecode(tmp_path):
    bundle_source(ROOT, tmp_path, HOST_VERSION, python=sys.executable)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["functions", "shared"]
    tag = sys.implementation.cache_tag
    compiled = tmp_path / "shared" / "__pycache__" / f"topology.{tag}.pyc"
    flags = struct.unpack("<I", compiled.read_bytes()[4:8])[0]
    assert flags == 0b01  # hash-based, source never checked: zips keep no timestamps to compare
    sources = {p.relative_to(tmp_path).with_suffix("") for p in tmp_path.rglob("*.py")}
    bytecode = {p.parent.parent.relative_to(tmp_path) / p.name.split(".")[0] for p in tmp_path.rglob("*.pyc")}
    assert sources == bytecode


def test_no_interpreter_of_the_version_is_an_error_that_says_where_it_looked(monkeypatch):
    monkeypatch.setenv("LAMBDA_PYTHON", "")
    monkeypatch.setenv("PYENV_ROOT", "/nonexistent")
    with pytest.raises(NoInterpreter, match="python2.1"):
        interpreter("2.1")
