"""Condition expressions lexed once per text (local/condition_expressions.py): moto's own answers."""
from __future__ import annotations

import boto3
from botocore.exceptions import ClientError
from moto.dynamodb.comparisons import ConditionExpressionParser

from local import condition_expressions
from tests.conftest import TEST_ENV

NAME = TEST_ENV["TABLE_NAME"]
STORED = {"pk": {"S": "APP#1"}, "sk": {"S": "APP"}, "version": {"N": "3"}, "status": {"S": "offered"},
          "claimed_at": {"S": "2027-01-05T09:00:00Z"}, "tags": {"SS": ["a", "b"]},
          "host": {"M": {"name": {"S": "Kent"}, "places": {"L": [{"N": "1"}, {"N": "2"}]}}}}
ASKED = [  # (condition, names, values): met, not met, and moto's errors
    ("attribute_not_exists(pk)", None, None),
    ("attribute_exists(pk)", None, None),
    ("version = :v", None, {":v": {"N": "3"}}),
    ("version = :v", None, {":v": {"N": "4"}}),
    ("version = :v AND #status IN (:s0, :s1)", {"#status": "status"},
     {":v": {"N": "3"}, ":s0": {"S": "offered"}, ":s1": {"S": "confirmed"}}),
    ("version = :v AND #status IN (:s0, :s1)", {"#status": "status"},
     {":v": {"N": "3"}, ":s0": {"S": "waitlisted"}, ":s1": {"S": "confirmed"}}),
    ("attribute_not_exists(pk) OR (attribute_not_exists(sent_at) AND claimed_at < :stale)", None,
     {":stale": {"S": "2027-01-05T09:30:00Z"}}),
    ("claimed_at = :mine AND (attribute_not_exists(sent_at) OR message_id = :id)", None,
     {":mine": {"S": "2027-01-05T09:00:00Z"}, ":id": {"S": "m1"}}),
    ("size(tags) >= :two AND contains(tags, :a) AND host.places[1] <> :one", None,
     {":two": {"N": "2"}, ":a": {"S": "a"}, ":one": {"N": "1"}}),
    ("NOT begins_with(#s,:p)", {"#s": "status"}, {":p": {"S": "off"}}),
    ("version BETWEEN :lo AND :hi", None, {":lo": {"N": "1"}, ":hi": {"N": "5"}}),
    ("version = :missing", None, {":v": {"N": "3"}}),          # a value not given
    ("#gone = :v", None, {":v": {"N": "3"}}),                  # a name not given
    ("version == :v", None, {":v": {"N": "3"}}),               # not a comparator
    ("version = :v AND", None, {":v": {"N": "3"}}),            # unfinished
    ("version = :v ; drop", None, {":v": {"N": "3"}}),         # not lexed at all
    ("(version = :v)", None, {":v": {"N": "3"}}),              # redundant parentheses
]


def outcomes() -> list:
    dynamodb = boto3.client("dynamodb")
    seen = []
    for expression, names, values in ASKED * 2:  # twice: the second time from the tokens kept
        dynamodb.put_item(TableName=NAME, Item=STORED)
        kwargs = {"ConditionExpression": expression}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            dynamodb.put_item(TableName=NAME, Item={**STORED, "note": {"S": "written"}}, **kwargs)
            seen.append("written")
        except ClientError as error:
            seen.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
        except (KeyError, ValueError) as error:  # what moto itself lets out for some of them
            seen.append((type(error).__name__, str(error)))
    return seen


def test_conditions_answer_as_moto_lexing_each_time(aws, monkeypatch):
    condition_expressions.install()
    ours = outcomes()
    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", condition_expressions._originals["lex"])
    motos = outcomes()
    assert ours == motos
    assert ours[:11].count("written") == 7 and len(set(ours[11:len(ASKED)])) >= 3  # met, unmet, several errors
    assert condition_expressions._tokens.cache_info().hits > 0
