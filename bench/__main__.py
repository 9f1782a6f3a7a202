"""`python -m bench [--quick] [--strict] [--out PATH] [--only NAME ...]`: see bench/__init__.py."""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import BENCHMARKS, run
from bench.measure import table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run these benchmarks only")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run; the ratios mean little)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a ratio misses its target")
    parser.add_argument("--out", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results = []
    for name in args.only or list(BENCHMARKS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.extend(run(name, quick=args.quick))
    elapsed = time.perf_counter() - started

    print(table(results))
    missed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(missed)} of {len(results)} within target in {elapsed:.0f} s"
          + (f"; missed: {', '.join(r.name for r in missed)}" if missed else ""))
    if args.out:
        args.out.write_text(json.dumps({
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "machine": platform.machine(), "quick": args.quick,
            "seconds": round(elapsed, 1), "results": [r.as_dict() for r in results],
        }, indent=2, ensure_ascii=False) + "\n")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
