"""The local stack's memory follows what its table holds, not how often it was written: moto's record
of every model instance it ever made is switched off for the busy services (local/emulation.py), as
the stream records handed on are forgotten (tests/local/test_stream_memory.py). `make bench`
(local_memory) measures the same over a large programme."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.local.conftest import ROOT

# In a child process: moto's mock is process-wide, and here the stack runs in-process to look at moto.
PLAY = r"""
import gc, json
from local.stack import LocalStack

def live(name):
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == name and type(o).__module__.startswith("moto."))

stack = LocalStack("tests.local.stub_topology", port=0, warm=False, pump_interval=3600, tick_interval=3600).start()
try:
    token = stack.issue_token("c@centre.example", groups=["coordinators"])
    def write(rounds):
        for index in range(rounds):
            answer = stack.handle_api(method="POST", raw_path="/things", query="",
                                      body=json.dumps({"thing_id": f"t{index % 5}"}).encode(),
                                      headers=[("Content-Type", "application/json"), ("Authorization", "Bearer " + token)])
            assert answer.status == 201, answer.body
        stack.settle()  # each write: a stream record, an event, a queue message, the consumer's own write
    write(10)
    before = {name: live(name) for name in ("Item", "StreamRecord", "Message")}
    write(100)
    after = {name: live(name) for name in ("Item", "StreamRecord", "Message")}
    consumed = json.loads(stack.handle_api(method="GET", raw_path="/records/consumer", query="", body=b"",
                                           headers=[]).body)["records"]
    print(json.dumps({"before": before, "after": after, "consumed": sorted(r["sk"] for r in consumed),
                      "dead_letters": stack.dead_letters()}))
finally:
    stack.stop()
"""


def test_rewriting_the_same_items_a_hundred_times_does_not_grow_what_moto_holds():
    done = subprocess.run([sys.executable, "-c", PLAY], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PORT": "0", "NOW": "2030-01-01T00:30:00Z"})
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # The same five things (and the consumer's records of them), written 100 times more: no more items,
    # stream records or queue messages held than after the first ten writes.
    for name, count in figures["after"].items():
        assert count <= figures["before"][name] + 5, (name, figures)
    # And everything written was still delivered.
    assert {f"ThingCreated#t{n}" for n in range(5)} <= set(figures["consumed"])
    assert set(figures["dead_letters"].values()) == {0}
