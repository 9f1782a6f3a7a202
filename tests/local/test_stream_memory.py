"""The local stack forgets stream records once its stream source has handed them on (memory stays flat)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.local.conftest import ROOT

# In a child process: moto's mock is process-wide, and here the stack runs in-process to look at moto.
PLAY = r"""
import json, urllib.request
from local.stack import LocalStack
from moto.dynamodb.models import dynamodb_backends
from local import env

stack = LocalStack(port=0, warm=False).start()
def call(method, path, body=None, token=None):
    request = urllib.request.Request(stack.url + path, data=json.dumps(body).encode() if body else None, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")
shard = dynamodb_backends[env.ACCOUNT_ID][env.REGION].get_table(env.TABLE_NAME).stream_shard
first = shard.starting_sequence_number
try:
    coordinator = call("POST", "/_local/token", {"email": "c@centre.example", "groups": ["coordinators"]})["token"]
    lead = call("POST", "/_local/token", {"email": "lead@kent.example", "organisation": "Kent Police"})["token"]
    visit = call("POST", "/visits", {"title": "Wellbeing", "theme": "Staff wellbeing",
        "host": {"organisation": "Lancashire Constabulary", "contact_name": "Hana Host",
                 "contact_email": "hana@lancashire.example"},
        "venue": "Hutton", "starts_at": "2031-03-20T10:00:00Z", "capacity": 4,
        "applications_close_at": "2031-03-01T17:00:00Z"}, coordinator)
    for n in range(6):
        call("POST", f"/visits/{visit['visit_id']}/applications", {"name": f"Kim {n}", "email": f"kim{n}@kent.example",
             "role": "police", "job_title": "Inspector", "motivation": "To learn", "questions": ["How?"],
             "prep_call": "join"}, lead)
    stack.settle()
    outbox = call("GET", "/_local/outbox")["messages"]
    print(json.dumps({"kept": len(shard.items), "written": shard.starting_sequence_number - first,
                      "emails": len(outbox)}))
finally:
    stack.stop()
"""


def test_stream_records_handed_on_are_forgotten_and_numbering_goes_on():
    done = subprocess.run([sys.executable, "-c", PLAY], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PORT": "0", "NOW": "2031-01-05T09:00:00Z"})
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["emails"] >= 6                 # the receipts went: the records were delivered first
    assert figures["kept"] == 0                   # and none is kept once handed on
    assert figures["written"] >= 12               # the shard's numbering moved on past them (visit, applications,
                                                  # guards, receipts' records), so later records keep theirs
