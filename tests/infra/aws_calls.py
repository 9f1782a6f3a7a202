"""Which AWS API calls each function makes: `python -m tests.infra.aws_calls OUT.json [WALK ...]`.

Starts the local stack in this process with every botocore call recorded against the function
whose invocation made it (calls the stack makes itself, outside an invocation, are not counted),
runs each walk script against it (default: the team's smoke walk, `../shared/checks/smoke.py`),
and writes `{"function": ["table:Query", "mail:send", ...]}` (needs as `shared.topology` names them) to OUT.json.

A process of its own because moto's mock is process-wide. Used by tests/infra/test_least_privilege.py.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The team's smoke walk sits beside the checkout (a worktree sits one level deeper).
SMOKE = next((p for p in (ROOT.parent / "shared/checks/smoke.py", ROOT.parent.parent / "shared/checks/smoke.py")
              if p.is_file()), ROOT.parent / "shared/checks/smoke.py")

# A transaction is authorised item by item.
TRANSACT_ITEM_ACTION = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                        "ConditionCheck": "ConditionCheckItem"}
S3_ACTION = {"ListObjectsV2": "ListBucket", "HeadObject": "GetObject"}

_current = threading.local()
calls: dict[str, set[str]] = defaultdict(set)


def needs_of(service: str, operation: str, params: dict) -> set[str]:
    """The topology needs (`shared.topology.Need`) one botocore call exercises."""
    import os

    from shared.store.timers import MARK_KEY

    if service == "dynamodb":
        def resource(table_name: str) -> str:
            return "idempotency" if table_name == os.environ["IDEMPOTENCY_TABLE_NAME"] else "table"

        if operation == "TransactWriteItems":
            found = set()
            for item in params["TransactItems"]:
                (kind, body), = item.items()
                found.add(f"{resource(body['TableName'])}:{TRANSACT_ITEM_ACTION[kind]}")
            return found
        if operation == "UpdateItem" and params.get("Key", {}).get("pk") == MARK_KEY[0]:
            return {"timers:mark"}  # the one item a narrower grant allows
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return {f"{resource(name)}:{operation}" for name in params["RequestItems"]}
        return {f"{resource(params['TableName'])}:{operation}"}
    if service == "s3":
        return {f"bucket:{S3_ACTION.get(operation, operation)}"}
    if service == "sesv2" and operation == "SendEmail":
        return {"mail:send"}
    if service == "events" and operation == "PutEvents":
        return {"bus:put"}
    return {f"{service}:{operation}"}


def install_recorder() -> None:
    import botocore.client

    from local.runtime import Runtime

    make_api_call = botocore.client.BaseClient._make_api_call
    invoke = Runtime.invoke

    def recording_call(self, operation_name, api_params):
        function = getattr(_current, "function", None)
        if function is not None:
            calls[function] |= needs_of(self.meta.service_model.service_name, operation_name, api_params)
        return make_api_call(self, operation_name, api_params)

    def recording_invoke(self, name, event):
        previous = getattr(_current, "function", None)
        _current.function = name
        try:
            return invoke(self, name, event)
        finally:
            _current.function = previous

    botocore.client.BaseClient._make_api_call = recording_call
    Runtime.invoke = recording_invoke


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    walks = [Path(p).resolve() for p in argv[1:]] or [SMOKE]
    install_recorder()
    from local.stack import LocalStack

    stack = LocalStack(port=0, warm=False).start()
    try:
        for walk in walks:
            done = subprocess.run([sys.executable, str(walk), stack.url], cwd=walk.parent,
                                  capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                print(done.stdout[-4000:], done.stderr[-4000:], file=sys.stderr)
                return 1
        stack.settle()
    finally:
        stack.stop()
    out.write_text(json.dumps({name: sorted(actions) for name, actions in sorted(calls.items())}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
