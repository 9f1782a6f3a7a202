"""`python -m local`: start the local stack on http://127.0.0.1:${PORT:-3000}.

Environment: PORT (0 picks a free port), NOW (ISO start time of the virtual clock; default the
real time), FAULTS (a share, e.g. 0.3, of table writes, transactions, event puts and email sends
that fail transiently, as AWS sometimes does; see shared/adapters/faults.py). `--topology MODULE` serves another declaration than shared.topology (tests).
Stops cleanly on SIGINT / SIGTERM.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.splitlines()[0])
    parser.add_argument("--topology", default=None, help="module declaring the topology (default shared.topology)")
    parser.add_argument("--port", type=int, default=None, help="port (default $PORT or 3000)")
    parser.add_argument("--no-warm", action="store_true", help="import handlers on first use only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOCAL_LOG_LEVEL", "INFO").upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    port_text = str(args.port) if args.port is not None else (os.environ.get("PORT") or "3000")
    try:
        port = int(port_text)
    except ValueError:
        print(f"PORT must be a number, not {port_text!r}", file=sys.stderr)
        return 2
    start_at = None
    if os.environ.get("NOW", "").strip():
        from shared import clock

        try:
            start_at = clock.parse(os.environ["NOW"].strip())
        except ValueError:
            print(f"NOW must be an ISO 8601 time, not {os.environ['NOW']!r}", file=sys.stderr)
            return 2

    fault_rate = 0.0
    if os.environ.get("FAULTS", "").strip():
        try:
            fault_rate = float(os.environ["FAULTS"])
            if not 0 <= fault_rate < 1:
                raise ValueError
        except ValueError:
            print(f"FAULTS must be a share from 0 up to (not including) 1, not {os.environ['FAULTS']!r}",
                  file=sys.stderr)
            return 2

    from local.stack import LocalStack

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stack = LocalStack(args.topology, port=port, now=start_at, warm=not args.no_warm).start()
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{port}: {exc}", file=sys.stderr)
        return 1
    if fault_rate:
        from shared.adapters import faults

        faults.enable(fault_rate)
        print(f"injecting transient AWS failures into {fault_rate:.0%} of writes, event puts and sends",
              flush=True)
    print(f"local stack listening on {stack.url} (virtual clock at {stack.iso_now()})", flush=True)
    try:
        stop.wait()
    finally:
        print("local stack stopping", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
