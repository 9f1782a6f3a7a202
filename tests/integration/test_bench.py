"""The benchmarks run and report ratios (tiny sizes: this checks the machinery, never a timing). They start
processes (cold starts) and the local stack in-process, so they live here rather than in tests/unit."""
from __future__ import annotations

import json
import math

import pytest

import bench
from bench import __main__ as bench_main
from bench.measure import Result, interleaved, table


def check(results: list[Result], benchmark: str) -> None:
    assert results, f"{benchmark} reported nothing"
    assert len({r.name for r in results}) == len(results), "two results share a name"
    for result in results:
        assert result.benchmark == benchmark
        assert result.measured > 0 and result.baseline > 0, result
        assert math.isfinite(result.ratio) and result.ratio > 0, result
        assert result.target > 0 and result.unit and result.baseline_name, result
        assert result.passed == (result.ratio < result.target)
        assert json.loads(json.dumps(result.as_dict()))["ratio"] == round(result.ratio, 3)
    rendered = table(results)
    assert all(result.name in rendered for result in results)


@pytest.mark.parametrize("name", sorted(bench.BENCHMARKS))
def test_each_benchmark_runs_at_tiny_sizes_and_reports_ratios(name):
    check(bench.run(name, quick=True), name)


def test_the_allocation_benchmark_reports_time_growth_and_memory():
    names = [r.name for r in bench.run("allocation", quick=True)]

    assert [n.split(":")[0] for n in names] == ["allocate"] * 3
    assert any("growth" in n for n in names) and any("memory" in n for n in names)


def test_interleaved_times_every_subject_the_same_number_of_times():
    calls = {"a": 0, "b": 0}

    def count(name):
        def call():
            calls[name] += 1
        return call

    medians = interleaved({"a": count("a"), "b": count("b")}, repeats=4, number=3)

    assert calls == {"a": 12, "b": 12}
    assert set(medians) == {"a", "b"} and all(m >= 0 for m in medians.values())


def test_a_missed_target_fails_only_a_strict_run(monkeypatch, tmp_path, capsys):
    missed = Result("fake", "fake: too slow", measured=30.0, baseline=1.0, unit="ms", target=10.0,
                    baseline_name="nothing")
    monkeypatch.setattr(bench_main, "run", lambda name, quick=False: [missed])
    out = tmp_path / "results.json"

    assert bench_main.main(["--quick", "--only", "allocation"]) == 0
    assert bench_main.main(["--quick", "--only", "allocation", "--strict", "--out", str(out)]) == 1

    printed = capsys.readouterr().out
    assert "fake: too slow" in printed and "30.00x" in printed and "MISSED" in printed
    written = json.loads(out.read_text())
    assert written["quick"] is True
    assert written["results"] == [missed.as_dict()] and written["results"][0]["pass"] is False
    assert {"name", "value", "baseline", "ratio", "target", "pass"} <= set(written["results"][0])
