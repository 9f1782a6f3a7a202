"""moto's TransactWriteItems, rolled back from a copy of the items it touches rather than of the table.

moto 5.2.5 deep-copies every table named in a transaction, once per item of it, so that it can
roll back a cancelled one: each transaction costs the whole table (and its stream) in time and
memory, and a local stack holding a real programme's year (~500 applications) needed gigabytes.
This replacement behaves as moto's does (same checks, same order, same errors, the same
`TransactionCanceledException` with one reason per item) but snapshots only the items named in
the transaction and how long each table's stream was; a cancelled transaction puts those items
back and forgets the stream records it wrote (DynamoDB writes none for it). The table object
itself is never replaced, so readers holding it (the stream source) keep seeing the live one.

Installed once per process by `install()` (the local stack calls it; moto is serialised there).
"""
from __future__ import annotations

import copy
from typing import Any

_INSTALLED = "_local_stack_touched_items_only"
restores = 0  # cancelled transactions rolled back so far (local/emulation.py's Query keeps found items by it)


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, _INSTALLED, False):
        return
    transact_write_items._local_stack_touched_items_only = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _Snapshot:
    """The touched items as they were (deep copies: moto updates items in place) and each stream's length."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, Any, Any], tuple[Any, Any, Any, Any]] = {}
        self._streams: dict[int, tuple[Any, int]] = {}

    def keep(self, table: Any, key: dict[str, Any]) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        marker = (id(table), hash_value, range_value)
        if marker not in self._items:
            before = table.get_item(hash_value, range_value)
            self._items[marker] = (table, hash_value, range_value, copy.deepcopy(before))
        if table.stream_shard is not None and id(table) not in self._streams:
            self._streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))

    def restore(self) -> None:
        global restores
        restores += 1  # items put back without a stream record: what was read of them before is stale
        for table, hash_value, range_value, before in self._items.values():
            if range_value is None:
                if before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
                continue
            partition = table.items.get(hash_value)
            if before is not None:
                table.items[hash_value][range_value] = before
            elif partition is not None:
                partition.pop(range_value, None)
                if not partition:
                    del table.items[hash_value]
        for shard, length in self._streams.values():
            del shard.items[length:]


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    attrs, table = op["Item"], backend.get_table(op["TableName"])
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's DynamoDBBackend.transact_write_items (5.2.5), with `_Snapshot` in place of table copies."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed, MockValidationException, MultipleTransactionsException,
        TooManyTransactionsException, TransactionCanceledException, TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    snapshot = _Snapshot()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[Any, Any, Any]] = []  # [(Code, Message, Item), ..]
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            key = _key_of(self, op_type, op)
            check_unicity(table_name, key)
            if op_type != "ConditionCheck":
                snapshot.keep(self.get_table(table_name), key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                              expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition_expression,
                                 expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition_expression,
                                 expression_attribute_names=names, expression_attribute_values=values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            snapshot.restore()
            raise
        except ConditionalCheckFailed as error:
            errors.append(("ConditionalCheckFailed", str(error.message), original_item))
        except Exception as error:  # noqa: BLE001 - as moto: any other failure cancels with its name
            errors.append((type(error).__name__, str(error), original_item))

    if any(code is not None for code, _, _ in errors):
        snapshot.restore()
        raise TransactionCanceledException(errors)
