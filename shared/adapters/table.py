"""The only door to the main table. Conditional writes; a state change carries its event."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from shared.adapters import faults
from shared.models.events import DomainEvent
from shared.settings import settings


class ConditionFailed(Exception):
    """A conditional write lost (the item exists, changed, or is not in the expected state)."""


@lru_cache(maxsize=1)
def _table():
    return boto3.resource("dynamodb").Table(settings().table_name)


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; hand the rest of the code ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _with_event(item: dict, event: DomainEvent | None) -> dict:
    return {**item, "event": event.as_item_attribute()} if event else item


def get_from(table_name: str, key: dict) -> dict | None:
    """One item of another table of the service's (the idempotency records), read consistently."""
    found = _table().meta.client.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
    return plain(found) if found else None


def get(pk: str, sk: str, consistent: bool = True) -> dict | None:
    item = _table().get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=consistent).get("Item")
    return plain(item) if item else None


def get_many(keys: Iterable[dict]) -> list[dict]:
    """Consistent reads of many items ({"pk", "sk"} each), 100 per request; missing ones are left out."""
    client, name = _table().meta.client, settings().table_name  # the resource's client: plain Python values
    pending = list({(k["pk"], k["sk"]): {"pk": k["pk"], "sk": k["sk"]} for k in keys}.values())
    found: list[dict] = []
    for start in range(0, len(pending), 100):
        request = {name: {"Keys": pending[start:start + 100], "ConsistentRead": True}}
        while request:
            answer = client.batch_get_item(RequestItems=request)
            found.extend(plain(item) for item in answer.get("Responses", {}).get(name, []))
            request = answer.get("UnprocessedKeys") or {}
    return found


def put(item: dict, *, event: DomainEvent | None = None, condition: str | None = None,
        values: dict | None = None, names: dict | None = None, attempts: int = faults.ATTEMPTS) -> None:
    """Write the whole item; `attempts`: how often a transient failure is tried again (a write that must
    not be given up lightly may ask for more)."""
    kwargs: dict[str, Any] = {"Item": _decimals(_with_event(item, event))}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    _conditional(lambda: _table().put_item(**kwargs), "PutItem", attempts)


def put_new(item: dict, *, event: DomainEvent | None = None) -> None:
    """Create the item; ConditionFailed when it already exists."""
    put(item, event=event, condition="attribute_not_exists(pk)")


def replace(item: dict, *, expected_version: int, event: DomainEvent | None = None) -> None:
    """Optimistic write: only if nobody changed the item since it was read at `expected_version`."""
    put({**item, "version": expected_version + 1}, event=event, condition="version = :expected",
        values={":expected": expected_version})


def update(pk: str, sk: str, changes: dict, *, event: DomainEvent | None = None, condition: str | None = None,
           values: dict | None = None, names: dict | None = None) -> dict:
    """Set the given attributes (and the event); returns the new item."""
    changes = _with_event(changes, event)
    all_names = {f"#u{i}": k for i, k in enumerate(changes)} | (names or {})
    all_values = _decimals({f":u{i}": v for i, v in enumerate(changes.values())} | (values or {}))
    kwargs: dict[str, Any] = {
        "Key": {"pk": pk, "sk": sk},
        "UpdateExpression": "SET " + ", ".join(f"#u{i} = :u{i}" for i in range(len(changes))),
        "ExpressionAttributeNames": all_names,
        "ExpressionAttributeValues": all_values,
        "ReturnValues": "ALL_NEW",
    }
    kwargs["ConditionExpression"] = condition or "attribute_exists(pk)"
    answer = _conditional(lambda: _table().update_item(**kwargs), "UpdateItem")
    return plain(answer["Attributes"])


def add_to_sets(pk: str, sk: str, sets: dict[str, set[str]], *, counter: str) -> None:
    """Add members to string sets and 1 to `counter`, creating the item if it is missing: unconditional,
    so two writers never undo each other (what a read-then-write could)."""
    names = {f"#s{i}": name for i, name in enumerate(sets)} | {"#c": counter}
    values = {f":s{i}": set(members) for i, members in enumerate(sets.values())} | {":one": 1}
    additions = ", ".join([f"#s{i} :s{i}" for i in range(len(sets))] + ["#c :one"])
    _conditional(lambda: _table().update_item(Key={"pk": pk, "sk": sk}, UpdateExpression=f"ADD {additions}",
                                              ExpressionAttributeNames=names, ExpressionAttributeValues=values),
                 "UpdateItem")


def delete(pk: str, sk: str, *, must_exist: bool = True, condition: str | None = None,
           values: dict | None = None, attempts: int = faults.ATTEMPTS) -> bool:
    """Delete; returns False when it was already gone (someone else did it) or `condition` did not hold."""
    kwargs: dict[str, Any] = {"Key": {"pk": pk, "sk": sk}}
    if condition or must_exist:
        kwargs["ConditionExpression"] = " AND ".join(
            ["attribute_exists(pk)"] * must_exist + ([f"({condition})"] if condition else []))
    if values:
        kwargs["ExpressionAttributeValues"] = _decimals(values)
    try:
        _conditional(lambda: _table().delete_item(**kwargs), "DeleteItem", attempts)
    except ConditionFailed:
        return False
    return True


def delete_many(keys: Iterable[dict]) -> None:
    """Delete many items ({"pk", "sk"} each), 25 per BatchWriteItem, unconditionally (absent ones are fine)."""
    client, name = _table().meta.client, settings().table_name
    pending = [{"DeleteRequest": {"Key": {"pk": k["pk"], "sk": k["sk"]}}} for k in keys]
    for start in range(0, len(pending), 25):
        request = {name: pending[start:start + 25]}
        while request:
            def attempt():
                faults.check("table_write", "BatchWriteItem")
                return client.batch_write_item(RequestItems=request)

            request = faults.retried(attempt).get("UnprocessedItems") or {}


def query(pk: str, *, sk_prefix: str | None = None, sk_at_most: str | None = None, index: str | None = None,
          limit: int | None = None, newest_first: bool = False) -> list[dict]:
    """All items of one partition (of the table or of gsi1/gsi2/gsi3), following pages."""
    pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
    condition = Key(pk_name).eq(pk)
    if sk_prefix is not None:
        condition &= Key(sk_name).begins_with(sk_prefix)
    elif sk_at_most is not None:
        condition &= Key(sk_name).lte(sk_at_most)
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": not newest_first}
    if index:
        kwargs["IndexName"] = index
    if limit:
        kwargs["Limit"] = limit
    items: list[dict] = []
    while True:
        page = _table().query(**kwargs)
        items.extend(plain(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page or (limit and len(items) >= limit):
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def transact(operations: Iterable[dict]) -> None:
    """All or nothing. Each operation is a TransactItems entry built by `op_put`/`op_check`.

    ConditionFailed only when a condition failed. DynamoDB also cancels a transaction that meets
    another one on the same item (`TransactionConflict`): that is retried after a jittered pause,
    and if it keeps happening the ClientError propagates (a transient failure, not a conflict of state).
    """
    client, items = _table().meta.client, list(operations)

    def attempt() -> None:
        faults.check("transaction", "TransactWriteItems")
        client.transact_write_items(TransactItems=items)

    try:
        faults.retried(attempt)
    except ClientError as error:
        if _condition_failed(error):
            raise ConditionFailed(str(error)) from error
        raise


TRANSACTION_ITEMS = 100  # DynamoDB's most items in one TransactWriteItems


def transact_in_chunks(operations: Iterable[dict]) -> None:
    """Many writes in as few calls as DynamoDB allows: TRANSACTION_ITEMS a transaction, each all or nothing
    (not the whole: a failure leaves earlier chunks written). For writes each of which stands alone. (The
    functions may not BatchWriteItem: it cannot be granted per action, and a transaction's items can be.)"""
    items = list(operations)
    for start in range(0, len(items), TRANSACTION_ITEMS):
        transact(items[start:start + TRANSACTION_ITEMS])


def _condition_failed(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons") or []]
    return code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons


def op_put(item: dict, *, event: DomainEvent | None = None, condition: str | None = None,
           values: dict | None = None, names: dict | None = None, table_name: str | None = None) -> dict:
    """A TransactItems entry putting `item` (into the main table, or `table_name`)."""
    operation: dict[str, Any] = {"TableName": table_name or settings().table_name, "Item": _with_event(item, event)}
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = values
    if names:
        operation["ExpressionAttributeNames"] = names
    return {"Put": _serialize(operation)}


def op_update(pk: str, sk: str, changes: dict, *, event: DomainEvent | None = None, condition: str | None = None,
              values: dict | None = None, names: dict | None = None) -> dict:
    """A TransactItems entry that sets attributes (and the event) as `update` does, under `condition`."""
    changes = _with_event(changes, event)
    operation: dict[str, Any] = {
        "TableName": settings().table_name, "Key": {"pk": pk, "sk": sk},
        "UpdateExpression": "SET " + ", ".join(f"#u{i} = :u{i}" for i in range(len(changes))),
        "ExpressionAttributeNames": {f"#u{i}": k for i, k in enumerate(changes)} | (names or {}),
        "ExpressionAttributeValues": {f":u{i}": v for i, v in enumerate(changes.values())} | (values or {}),
        "ConditionExpression": condition or "attribute_exists(pk)",
    }
    return {"Update": _serialize(operation)}


def op_delete(pk: str, sk: str, *, condition: str | None = None, values: dict | None = None) -> dict:
    """A TransactItems entry that deletes an item (if `condition` holds)."""
    operation: dict[str, Any] = {"TableName": settings().table_name, "Key": {"pk": pk, "sk": sk}}
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = values
    return {"Delete": _serialize(operation)}


def op_check(pk: str, sk: str, condition: str, *, values: dict | None = None,
             names: dict | None = None) -> dict:
    """A TransactItems entry that writes nothing and only checks another item (e.g. that it does not exist)."""
    operation: dict[str, Any] = {"TableName": settings().table_name, "Key": {"pk": pk, "sk": sk},
                                 "ConditionExpression": condition}
    if values:
        operation["ExpressionAttributeValues"] = values
    if names:
        operation["ExpressionAttributeNames"] = names
    return {"ConditionCheck": _serialize(operation)}


def _serialize(operation: dict) -> dict:
    # The table resource's client turns Python values into attribute values itself (for
    # TransactItems too): hand it Python values, with Decimal for floats.
    for key in ("Item", "Key", "ExpressionAttributeValues"):
        if key in operation:
            operation[key] = _decimals(operation[key])
    return operation


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _conditional(call, operation: str = "write", attempts: int = faults.ATTEMPTS):
    """A write, retried while it fails transiently; ConditionFailed when its condition does not hold."""
    def attempt():
        faults.check("table_write", operation)
        return call()

    try:
        return faults.retried(attempt, attempts=attempts)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ConditionFailed(str(error)) from error
        raise
