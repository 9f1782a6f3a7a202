"""The local stack's UpdateItem (local/update_expressions.py): the same answers and errors as moto's own."""
from __future__ import annotations

import copy

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from local import update_expressions
from tests.conftest import TEST_ENV

NAME = TEST_ENV["TABLE_NAME"]
KEY = {"pk": {"S": "APP#1"}, "sk": {"S": "APP"}}

# (expression, names, values): valid ones, each twice with other values (the second time the
# expression's shape checks are skipped), and every kind of mistake the shape checks catch.
UPDATES = [
    ("SET #u0 = :u0, #u1 = :u1, #u2 = :u2", {"#u0": "status", "#u1": "name", "#u2": "seats"},
     {":u0": {"S": "offered"}, ":u1": {"S": "Kim"}, ":u2": {"N": "2"}}),
    ("SET #u0 = :u0, #u1 = :u1, #u2 = :u2", {"#u0": "status", "#u1": "name", "#u2": "seats"},
     {":u0": {"S": "confirmed"}, ":u1": {"S": "Kim Kentish"}, ":u2": {"N": "3"}}),
    ("SET #u0 = :u0, #u1 = :u1, #u2 = :u2", {"#u0": "status", "#u1": "sk", "#u2": "seats"},   # a key attribute,
     {":u0": {"S": "x"}, ":u1": {"S": "y"}, ":u2": {"N": "1"}}),                              # same expression
    ("SET #u0 = :u0, #u1 = :u1, #u2 = :u2", {"#u0": "status", "#u1": "status", "#u2": "seats"},  # the same path twice
     {":u0": {"S": "x"}, ":u1": {"S": "y"}, ":u2": {"N": "1"}}),
    ("SET seats = seats + :one, history = list_append(if_not_exists(history, :none), :entry)", None,
     {":one": {"N": "1"}, ":none": {"L": []}, ":entry": {"L": [{"S": "moved"}]}}),
    ("SET seats = seats + :one, history = list_append(if_not_exists(history, :none), :entry)", None,
     {":one": {"N": "5"}, ":none": {"L": []}, ":entry": {"L": [{"S": "moved again"}]}}),
    ("REMOVE #u0 SET #u1 = :u1", {"#u0": "name", "#u1": "note"}, {":u1": {"S": "gone"}}),
    ("ADD tags :t", None, {":t": {"SS": ["a", "b"]}}),
    ("ADD tags :t", None, {":t": {"SS": ["c"]}}),
    ("DELETE tags :t", None, {":t": {"SS": ["a"]}}),
    ("SET #u0 = :u0 SET #u1 = :u1", {"#u0": "a", "#u1": "b"}, {":u0": {"S": "1"}, ":u1": {"S": "2"}}),  # two SETs
    ("SET pk = :v", None, {":v": {"S": "other"}}),                                    # a key attribute
    ("SET note = :v, note.inner = :v", None, {":v": {"S": "x"}}),                      # overlapping paths
    ("SET #u0 = :missing", {"#u0": "a"}, {":u0": {"S": "1"}}),                         # an undefined value
    ("SET #nobody = :u0", {"#u0": "a"}, {":u0": {"S": "1"}}),                          # an undefined name
    ("SET note.inner = :v", None, {":v": {"S": "x"}}),                                 # a path into a string
    ("SET seats = seats + :v", None, {":v": {"S": "x"}}),                              # a type mismatch
    ("SET = :v", None, {":v": {"S": "x"}}),                                            # not an expression
]


def outcomes() -> list:
    """Each update's answer (the item after it) or error, alone and in a transaction, from a fresh item."""
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=NAME, Item={**KEY, "status": {"S": "submitted"}, "seats": {"N": "1"}})
    seen = []
    for expression, names, values in UPDATES:
        extra = {"ExpressionAttributeNames": names} if names else {}
        try:
            seen.append(dynamodb.update_item(TableName=NAME, Key=KEY, UpdateExpression=expression,
                                             ExpressionAttributeValues=values, ReturnValues="ALL_NEW", **extra)
                        ["Attributes"])
        except ClientError as error:
            seen.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
        try:
            dynamodb.transact_write_items(TransactItems=[{"Update": {
                "TableName": NAME, "Key": KEY, "UpdateExpression": expression,
                "ExpressionAttributeValues": values, **extra}}])
            seen.append(dynamodb.get_item(TableName=NAME, Key=KEY, ConsistentRead=True)["Item"])
        except ClientError as error:
            seen.append((error.response["Error"]["Code"], error.response["Error"]["Message"],
                         error.response.get("CancellationReasons")))
    dynamodb.delete_item(TableName=NAME, Key=KEY)
    return seen


def test_updates_answer_as_moto_itself_answers_them(aws, monkeypatch):
    update_expressions.install()
    first, again = outcomes(), outcomes()  # the second time from what the first kept
    monkeypatch.setattr(UpdateExpressionParser, "make", update_expressions._originals["make"])
    monkeypatch.delattr(validators.UpdateExpressionValidator, "validate")  # moto's Validator.validate
    monkeypatch.setattr(validators, "deepcopy", copy.deepcopy)
    monkeypatch.setattr(DepthFirstTraverser, "traverse", update_expressions._originals["traverse"])
    by_moto = outcomes()
    assert first[2]["seats"] == {"N": "3"}
    assert len([o for o in by_moto if isinstance(o, tuple)]) >= 16  # the mistakes are refused
    assert first == by_moto
    assert again == by_moto


def test_an_expression_is_parsed_once_and_its_tree_is_copied_exactly(monkeypatch):
    update_expressions.install()
    expression = "SET #u0 = :u0, history = list_append(history, :h) REMOVE old[1] ADD n :one"
    tree = UpdateExpressionParser.make(expression)
    assert UpdateExpressionParser.make(expression) is tree
    copied = validators.deepcopy(tree)
    by_moto = copy.deepcopy(tree)
    assert copied is not tree and _shape(copied) == _shape(by_moto) == _shape(tree)
    with pytest.raises(Exception):
        UpdateExpressionParser.make("SET = :v")


def _shape(node) -> object:
    """A node as nested tuples (type, children), checking every child's parent is its node."""
    from moto.dynamodb.parsing.ast_nodes import Node

    if not isinstance(node, Node):
        return node
    for child in node.children or []:
        if isinstance(child, Node):
            assert child.parent is node
    return type(node).__name__, node.type, tuple(_shape(child) for child in node.children or [])
