"""Speed and memory targets, as ratios against a baseline measured in the same run.

`python -m bench` (`make bench`) runs every benchmark and prints one table: what was measured,
its baseline, their ratio, the target ratio and the verdict. `--strict` exits non-zero when a
ratio misses its target; `--out PATH` also writes the results as JSON; `--quick` runs tiny sizes
(a smoke run: the ratios mean little); `--only NAME` runs some benchmarks only.

Each benchmark is a module with `run(**sizes) -> list[Result]` (see bench.measure):
  allocation  the allocation rule vs sorting its input; its growth; its memory vs the input
  cold_start  importing each Lambda handler, deployed (with and without .pyc), vs the floor
  firing      one hourly firing of the local stack vs one DynamoDB Query; growth; firings that fire due timers
  local_calls   one AWS call on the local stack (a GetItem, a quiet firing, an allocation-sized transaction, a
              PutEvents) vs the same call through moto's own dispatch, parser and validator
  rendering   rendering the offer email vs a trivial jinja2 template; first render vs warm
  calls       AWS calls per accepted application, allocation, sweep, publisher and email, vs budgets
  local_memory  the local stack's memory as a large programme fills its table (~500 applications, six
              visits allocated) vs the same process started; per-application growth; request time
  demo        `make demo` (the reference year on the local stack) against its budget: 60 s, 500 MB
"""
from __future__ import annotations

import importlib

# name -> (the full sizes `make bench` runs, the tiny sizes of a smoke run)
BENCHMARKS: dict[str, tuple[dict, dict]] = {
    "allocation": ({"applicants_count": 100_000, "organisations": 60, "repeats": 7, "number": 1},
                   {"applicants_count": 40, "organisations": 5, "repeats": 1, "number": 1}),
    "rendering": ({"repeats": 31, "number": 20, "first_repeats": 7},
                  {"repeats": 1, "number": 1, "first_repeats": 1}),
    "firing": ({"applications": 2000, "visits": 20, "hours": 6, "repeats": 9, "queries": 10, "due": 50},
               {"applications": 20, "visits": 2, "hours": 2, "repeats": 1, "queries": 1, "due": 2}),
    "local_calls": ({"repeats": 15, "number": 40},
                    {"repeats": 1, "number": 2, "updates": 2, "attributes": 5}),
    "calls": ({"applications": 100, "organisations": 20, "timers": 50},
              {"applications": 10, "organisations": 5, "timers": 10}),
    "local_memory": ({"applications": 500, "batch": 50},
                     {"applications": 20, "batch": 5, "close_after_days": 1, "spacing_days": 1}),
    "demo": ({}, {"days": 2}),
    "cold_start": ({"repeats": 15},
                   {"modules": ["functions.sweep.handler"], "repeats": 1}),
}


def run(name: str, quick: bool = False, **overrides):
    """Run one benchmark (its full sizes, or its tiny ones), with any size overridden."""
    full, tiny = BENCHMARKS[name]
    module = importlib.import_module(f"bench.{name}")
    return module.run(**{**(tiny if quick else full), **overrides})
