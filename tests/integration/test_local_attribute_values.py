"""The local stack's DynamoDB answers (local/attribute_values.py): the same bytes as moto's own serialiser."""
from __future__ import annotations

import boto3
import pytest
from moto.core.serialize import BaseJSONSerializer

from local import attribute_values
from tests.conftest import TEST_ENV

NAME = TEST_ENV["TABLE_NAME"]
ITEMS = [
    {"pk": {"S": "APP#1"}, "sk": {"S": "APP"}, "name": {"S": "Kim Kentish"}, "empty": {"S": ""},
     "count": {"N": "3"}, "ratio": {"N": "0.25"}, "erased": {"NULL": True}, "attended": {"BOOL": False},
     "questions": {"L": [{"S": "How did you start?"}, {"N": "2"}, {"M": {"deep": {"L": [{"BOOL": True}]}}}]},
     "host": {"M": {"organisation": {"S": "Lancashire Constabulary"}, "capacity": {"N": "9"},
                    "tags": {"SS": ["a", "b"]}, "sizes": {"NS": ["1", "2"]}}}},
    {"pk": {"S": "APP#1"}, "sk": {"S": "FILE"}, "blob": {"B": b"\x00\xffbinary"},
     "blobs": {"BS": [b"\x01", b"\x02"]}, "nested": {"M": {"inner": {"B": b"\x03"}}}},
]


def answers() -> list[tuple[str, dict]]:
    """Every kind of answer the app reads items from, the request id and retry details left out."""
    dynamodb = boto3.client("dynamodb")
    replies = [
        ("get", dynamodb.get_item(TableName=NAME, Key={"pk": {"S": "APP#1"}, "sk": {"S": "APP"}})),
        ("get binary", dynamodb.get_item(TableName=NAME, Key={"pk": {"S": "APP#1"}, "sk": {"S": "FILE"}})),
        ("query", dynamodb.query(TableName=NAME, KeyConditionExpression="pk = :p",
                                 ExpressionAttributeValues={":p": {"S": "APP#1"}})),
        ("update", dynamodb.update_item(TableName=NAME, Key={"pk": {"S": "APP#1"}, "sk": {"S": "APP"}},
                                        UpdateExpression="SET attended = :same",  # the same each time
                                        ExpressionAttributeValues={":same": {"BOOL": False}},
                                        ReturnValues="ALL_NEW")),
        ("batch get", dynamodb.batch_get_item(RequestItems={NAME: {"Keys": [
            {"pk": {"S": "APP#1"}, "sk": {"S": "APP"}}, {"pk": {"S": "APP#1"}, "sk": {"S": "FILE"}}]}})),
        ("scan", dynamodb.scan(TableName=NAME)),
    ]
    for _, reply in replies:
        reply.pop("ResponseMetadata", None)
    return replies


@pytest.fixture
def table(aws):
    dynamodb = boto3.client("dynamodb")
    for item in ITEMS:
        dynamodb.put_item(TableName=NAME, Item=item)


def test_items_come_back_as_moto_itself_would_answer_them(table, monkeypatch):
    attribute_values.install()
    passed_through = answers()
    for name in ("_serialize_type_structure", "_serialize_type_map"):
        monkeypatch.setattr(BaseJSONSerializer, name, getattr(BaseJSONSerializer, name).__wrapped__)
    by_moto = answers()
    assert passed_through[0][1]["Item"]["host"]["M"]["tags"] == {"SS": ["a", "b"]}
    assert passed_through[1][1]["Item"]["blob"] == {"B": b"\x00\xffbinary"}
    for (what, ours), (_, motos) in zip(passed_through, by_moto, strict=True):
        assert ours == motos, what


def test_only_plain_wire_values_are_passed_through():
    assert attribute_values.in_wire_form({"M": {"a": {"L": [{"S": "x"}, {"NULL": True}]}}})
    assert not attribute_values.in_wire_form({"B": b"\x00"})
    assert not attribute_values.in_wire_form({"M": {"a": {"BS": [b"\x00"]}}})
    assert not attribute_values.in_wire_form({"M": {"": {"S": "x"}}})  # moto's walker has its own answer
    assert not attribute_values.in_wire_form({"S": "x", "N": "1"})  # two types: not a value DynamoDB writes
    assert not attribute_values.in_wire_form({"N": 3})              # a number not as text


def test_model_objects_become_the_plain_values_moto_makes_of_them():
    import datetime

    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models import utilities

    attribute_values.install()
    motos = attribute_values._originals["dynamo_to_dict"]
    attrs = {**ITEMS[0], "blob": {"B": "AP8="}, "raw": {"B": b"\x00\xff"}, "blobs": {"BS": ["AQ==", b"\x02"]},
             "nested": {"M": {"inner": {"B": "Aw=="}, "list": {"L": [{"S": "x"}, {"BS": ["AQ=="]}]}}}}
    item = Item(DynamoType({"S": "APP#1"}), DynamoType({"S": "APP"}), attrs)
    subjects = [
        item, item.attrs, LimitedSizeDict(item.attrs), {"Item": item.describe_attrs(attributes=None)["Item"]},
        [item, item], {"Items": [item.to_json()], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": None},
        {"ConsumedCapacity": {"TableName": NAME, "CapacityUnits": 0.5}},
        {"when": datetime.datetime(2027, 1, 5, 17, 0, 0, 123456)}, DynamoType({"N": "3"}),
        DynamoType({"SS": ["a", "b"]}), DynamoType({"NULL": True}), "text", 3, 2.5, True, None,
    ]
    for subject in subjects:
        assert utilities.dynamo_to_dict(subject) == motos(subject), subject
    assert utilities.dynamo_to_dict(item)["Attributes"]["raw"] == {"B": b"\x00\xff"}


def test_requests_are_checked_and_written_as_botocore_itself_would():
    """Parameters holding items in wire form: the same request body, and the same errors for bad ones."""
    import json as json_module

    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.serialize import JSONSerializer
    from botocore.validate import ParamValidator

    attribute_values.install()
    service = botocore.session.get_session().get_service_model("dynamodb")
    requests = [
        ("PutItem", {"TableName": NAME, "Item": ITEMS[0]}),
        ("PutItem", {"TableName": NAME, "Item": ITEMS[1], "ConditionExpression": "attribute_not_exists(pk)"}),
        ("UpdateItem", {"TableName": NAME, "Key": {"pk": {"S": "A"}, "sk": {"S": "B"}},
                        "UpdateExpression": "SET #a = :a", "ExpressionAttributeNames": {"#a": "a"},
                        "ExpressionAttributeValues": {":a": {"M": {"x": {"L": [{"N": "1"}, {"B": b"\x00"}]}}}}}),
        ("Query", {"TableName": NAME, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"S": "APP#1"}}, "ExclusiveStartKey": {"pk": {"S": "A"}}}),
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": NAME, "Item": ITEMS[0]}},
                                                  {"Delete": {"TableName": NAME, "Key": {"pk": {"S": "A"}}}}]}),
        # two types in one value and none: botocore lets them through (DynamoDB refuses them); then bad
        # ones: a number not as text, an unknown type, not a dict, a map holding a bad value
        ("PutItem", {"TableName": NAME, "Item": {"pk": {"S": "a", "N": "1"}}}),
        ("PutItem", {"TableName": NAME, "Item": {"pk": {}}}),
        ("PutItem", {"TableName": NAME, "Item": {"pk": {"N": 3}}}),
        ("PutItem", {"TableName": NAME, "Item": {"pk": {"X": "a"}}}),
        ("PutItem", {"TableName": NAME, "Item": {"pk": "a"}}),
        ("PutItem", {"TableName": NAME, "Item": {"pk": {"M": {"": {"S": "x"}, "n": {"BOOL": "yes"}}}}}),
    ]

    def outcome(operation: str, params: dict):
        model = service.operation_model(operation)
        errors = ParamValidator().validate(params, model.input_shape)
        if errors.has_errors():
            return ("invalid", str(ParamValidationError(report=errors.generate_report())))
        body = JSONSerializer().serialize_to_request(params, model)["body"]
        return ("body", json_module.loads(body))

    ours = [outcome(*request) for request in requests]
    originals = attribute_values._originals
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ParamValidator, "_validate_structure", originals["validate_structure"])
        patch.setattr(ParamValidator, "_validate_map", originals["validate_map"])
        patch.setattr(JSONSerializer, "_serialize_type_structure", originals["serialize_structure"])
        patch.setattr(JSONSerializer, "_serialize_type_map", originals["serialize_map"])
        botocores = [outcome(*request) for request in requests]
    assert ours == botocores
    assert [kind for kind, _ in ours] == ["body"] * 7 + ["invalid"] * 4
