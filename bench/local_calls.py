"""What one AWS call costs on the local stack, against the same call through moto's own code.

The local stack (local.stack.LocalStack, in a worker subprocess: moto's mock is process-wide)
replaces some of moto's and botocore's per-call work with equivalents that answer the same
(local/in_process.py, local/dispatch.py, local/update_expressions.py, local/event_paths.py,
local/signing.py, local/item_sizes.py, local/moto_helpers.py, local/endpoints.py,
local/condition_expressions.py; each has a test comparing answers).
Here each call is timed in turns with the very same call while those replacements are swapped back for moto's and botocore's own functions (the baseline: the stack as
it was before them), in one run:

  small call     one GetItem of a small item through the table adapter (most of the stack's calls)
  sweep          one quiet hourly firing (the sweep reading that nothing is due)
  transaction    a TransactWriteItems of `updates` updates, each rewriting a whole application
                 (`attributes` attributes, as the stores write one) — allocation's shape
  events         a PutEvents of 10 entries, each delivered by its rule to a queue (the publisher's)

CPU time, medians of interleaved repetitions (bench.measure.interleaved).
"""
from __future__ import annotations

import json
import sys

from bench.measure import Result, in_worker

BENCHMARK = "local_calls"

SMALL_TARGET = 0.5         # measured ~0.35x (answered in-process)
SWEEP_TARGET = 0.65        # measured ~0.5x
TRANSACTION_TARGET = 0.5   # measured ~0.3x
EVENTS_TARGET = 0.4        # measured ~0.2x


def run(repeats: int = 15, number: int = 40, updates: int = 10, attributes: int = 35,
        timeout: float = 600) -> list[Result]:
    arguments = {"repeats": repeats, "number": number, "updates": updates, "attributes": attributes}
    measured = in_worker("bench.local_calls", arguments, timeout)
    baseline = "moto's and botocore's own"
    rows = [("small", "local stack: one GetItem", SMALL_TARGET, ""),
            ("sweep", "local stack: one quiet hourly firing", SWEEP_TARGET, ""),
            ("transaction", f"local stack: TransactWriteItems of {updates} whole-item updates", TRANSACTION_TARGET,
             f"{attributes} attributes each, as the stores write an application"),
            ("events", "local stack: PutEvents of 10 entries, delivered to a queue", EVENTS_TARGET, "")]
    return [Result(BENCHMARK, name, 1000 * measured[key]["ours"], 1000 * measured[key]["moto"], "ms", target,
                   baseline, note) for key, name, target, note in rows]


# --- the worker (python -m bench.local_calls '{json arguments}') ---------------------------------

class _MotoOwn:
    """While entered, moto's own functions in place of the local stack's replacements."""

    def __init__(self) -> None:
        import copy

        import jsonpath_ng.ext
        from botocore.auth import SigV4Auth
        from moto.core import responses
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.dynamodb.parsing import validators
        from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
        from moto.dynamodb.parsing.expressions import UpdateExpressionParser

        from botocore.regions import EndpointRulesetResolver
        from moto.dynamodb.comparisons import ConditionExpressionParser
        from moto.dynamodb.models.dynamo_type import DynamoType, Item
        from moto.moto_api._internal.moto_random import MotoRandom

        from moto.core import utils
        from moto.sqs import models as sqs_models

        from botocore.serialize import JSONSerializer
        from botocore.validate import ParamValidator
        from moto.dynamodb import responses as dynamodb_responses
        from moto.dynamodb.models import table as table_module
        from moto.dynamodb.models import utilities as dynamodb_utilities

        from local import (attribute_values, condition_expressions, dispatch, emulation, endpoints, item_sizes,
                           moto_helpers, update_expressions)

        moto_process_request = dispatch._originals["process_request"]

        def process_request(self, request):  # type: ignore[no-untyped-def]
            with emulation.MOTO_LOCK:  # as the stack's own wrapper
                return moto_process_request(self, request)

        self.swaps = [
            (BotocoreStubber, "process_request", process_request),
            (responses, "method_names_from_class", dispatch._originals["method_names_from_class"]),
            (responses.BaseResponse, "_enrich_response", dispatch._originals["enrich_response"]),
            (UpdateExpressionParser, "make", update_expressions._originals["make"]),
            (validators.UpdateExpressionValidator, "validate", validators.Validator.validate),
            (validators, "deepcopy", copy.deepcopy),
            (DepthFirstTraverser, "traverse", update_expressions._originals["traverse"]),
            (jsonpath_ng.ext, "parse", jsonpath_ng.ext.parse.__wrapped__),
            (SigV4Auth, "add_auth", SigV4Auth.add_auth.__wrapped__),
            (DynamoType, "size", item_sizes._originals["size"]),
            (Item, "size", item_sizes._originals["item_size"]),
            (MotoRandom, "get_random_string", moto_helpers._originals["random_string"]),
            (EndpointRulesetResolver, "construct_endpoint", endpoints._originals["construct_endpoint"]),
            (ConditionExpressionParser, "_lex_condition_expression", condition_expressions._originals["lex"]),
            (utils, "unix_time", moto_helpers._originals["unix_time"]),
            (sqs_models.SQSBackend, "is_message_valid_based_on_retention_period", moto_helpers._originals["retained"]),
            (sqs_models.SQSBackend, "send_message", moto_helpers._originals["send_message"]),
            *((sqs_models.Queue, name, moto_helpers._originals[name]) for name in moto_helpers._UNREAD_WHILE_SENDING),
            (utils, "utcnow", moto_helpers._originals["utcnow"]),
            (ParamValidator, "_validate_structure", attribute_values._originals["validate_structure"]),
            (ParamValidator, "_validate_map", attribute_values._originals["validate_map"]),
            (JSONSerializer, "_serialize_type_structure", attribute_values._originals["serialize_structure"]),
            (JSONSerializer, "_serialize_type_map", attribute_values._originals["serialize_map"]),
            (dynamodb_utilities, "dynamo_to_dict", attribute_values._originals["dynamo_to_dict"]),
            (dynamodb_responses, "dynamo_to_dict", attribute_values._originals["dynamo_to_dict"]),
            (table_module, "copy", copy),
            *((module, "camelcase_to_underscores", moto_helpers._originals["camelcase_to_underscores"])
              for module in (utils, responses, sqs_models)),
        ]
        self.saved: list = []
        self.over_http = None

    def __enter__(self) -> None:
        from local import in_process

        self.over_http = in_process.over_http()  # every call through moto's stubber, as before in_process
        self.over_http.__enter__()
        self.saved = [(owner, name, getattr(owner, name) if not isinstance(owner, type) else owner.__dict__[name])
                      for owner, name, _ in self.swaps]
        for owner, name, value in self.swaps:
            setattr(owner, name, value)

    def __exit__(self, *exc: object) -> None:
        for owner, name, value in self.saved:
            setattr(owner, name, value)
        self.over_http.__exit__(*exc)


def _work(repeats: int, number: int, updates: int, attributes: int) -> dict:
    import logging
    from datetime import datetime, timedelta, timezone

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from local.stack import LocalStack

    start = datetime(2031, 1, 6, 9, 30, tzinfo=timezone.utc)  # half past: real time crosses no hour
    stack = LocalStack(port=0, now=start, pump_interval=3600, tick_interval=3600, warm=False).start()
    try:
        import boto3
        from moto.sqs.models import sqs_backends

        from bench.measure import interleaved
        from local import env
        from shared.adapters import table

        moto_own = _MotoOwn()
        dynamodb, events = boto3.client("dynamodb", region_name=env.REGION), boto3.client("events", region_name=env.REGION)
        table.put({"pk": "BENCH", "sk": "ONE", "note": "a small item"})
        names = [f"field{index}" for index in range(attributes)]
        keys = [{"pk": {"S": f"APP#{index}"}, "sk": {"S": "APP"}} for index in range(updates)]
        counter = [0]

        def small() -> None:
            table.get("BENCH", "ONE")

        def sweep() -> None:
            stack.advance(stack.now() + timedelta(hours=1))

        def transaction() -> None:
            counter[0] += 1
            dynamodb.transact_write_items(TransactItems=[{"Update": {
                "TableName": env.TABLE_NAME, "Key": key,
                "UpdateExpression": "SET " + ", ".join(f"#u{i} = :u{i}" for i in range(attributes)),
                "ExpressionAttributeNames": {f"#u{i}": name for i, name in enumerate(names)},
                "ExpressionAttributeValues": {f":u{i}": {"S": f"value {i} of {counter[0]}"} for i in range(attributes)},
            }} for key in keys])

        bus = stack.emulator.resources.event_bus_name
        rule = next(r for r in stack.topology.RULES if not r.detail)
        queue = sqs_backends[env.ACCOUNT_ID][env.REGION].queues[stack.emulator.resources.queues[rule.function].name]

        def publish(consumed: bool = True) -> None:
            events.put_events(Entries=[{"EventBusName": bus, "Source": stack.topology.EVENT_SOURCE,
                                        "DetailType": rule.detail_types[0], "Detail": json.dumps({"index": index})}
                                       for index in range(10)])
            if consumed:  # moto reads the whole queue for each message it adds: keep it as the stack keeps it
                queue._messages.clear()

        publish(consumed=False)
        if len(queue._messages) != 10:
            raise RuntimeError(f"{len(queue._messages)} of 10 events reached the rule's queue")
        queue._messages.clear()

        results = {}
        for key, call, count in (("small", small, number), ("sweep", sweep, max(1, number // 8)),
                                 ("transaction", transaction, max(1, number // 10)),
                                 ("events", publish, max(1, number // 10))):
            def ours(call=call) -> None:
                call()

            def motos(call=call) -> None:
                with moto_own:
                    call()

            ours()
            motos()  # warm both (first parses, imports)
            medians = interleaved({"ours": ours, "moto": motos}, repeats, number=count)
            results[key] = medians
        return results
    finally:
        stack.stop()


if __name__ == "__main__":
    print(json.dumps(_work(**json.loads(sys.argv[1]))), flush=True)
