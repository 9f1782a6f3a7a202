"""moto's DynamoDB answers, with item values passed through rather than rebuilt member by member.

moto 5.2.5 serialises every response through a generic model walker: each attribute value of
each item returned is a structure of ten members (S, N, M, L, ...), and for every member of
every value it tries several spellings of its name on the object. A Query returning 30 small
items spent ~85% of its time there, and a local stack playing a programme's year most of its
time. The values moto's DynamoDB hands the serialiser are already in wire form (`{"S": "..."}`,
`{"M": {...}}`): this puts such a value into the answer as it is, exactly as the walker would
have written it. A value holding binary data (B, BS: bytes to be base64-encoded) or a map with an empty name
still goes the long way, so nothing is changed but the time.

Before that, moto turns each answer's model objects into plain values (`dynamo_to_dict`), trying at
every value whether it is a date, an attribute value, an object with `to_json`, a dict or a list;
a Query's items made that ~6% of a programme's year. `dynamo_to_dict` here answers the common
cases (an attribute value of a plain kind, a plain dict or list, a string or number) at once,
exactly as moto does, and hands everything else (binary data, dates, model objects) to moto's.

The same on the way in: botocore checks each request's parameters against the operation's model and
serialises them, walking every attribute value of every item member by member too. A value in wire
form is valid as it is (one known type, the type's Python value; the model sets no minimum for
them) and is written as it is: here it is taken so, by the validator and by the JSON serialiser.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from functools import wraps
from typing import Any

_INSTALLED = "_local_stack_pass_through"
_SCALARS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
_SETS = ("SS", "NS")
_PLAIN = (str, int, float, bool)
_originals: dict[str, Any] = {}


def install() -> None:
    from moto.core.serialize import BaseJSONSerializer

    if getattr(BaseJSONSerializer._serialize_type_structure, _INSTALLED, False):
        return
    original = BaseJSONSerializer._serialize_type_structure
    original_map = BaseJSONSerializer._serialize_type_map

    @wraps(original)  # __wrapped__: moto's own, for a test comparing both
    def _serialize_type_structure(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        if key and as_it_is(shape, value):
            self._default_serialize(serialized, value, shape, key)
            return
        original(self, serialized, value, shape, key)

    @wraps(original_map)
    def _serialize_type_map(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        # An item (name -> value) whose every value is in wire form: the item as it is, rather
        # than a value at a time (the walker would write each as it is, under its own name).
        if key and as_it_is(shape, value):
            self._default_serialize(serialized, value, shape, key)
            return
        original_map(self, serialized, value, shape, key)

    setattr(_serialize_type_structure, _INSTALLED, True)
    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = _serialize_type_map  # type: ignore[method-assign]

    from botocore.serialize import JSONSerializer
    from botocore.validate import ParamValidator

    _originals.update(validate_structure=ParamValidator._validate_structure, validate_map=ParamValidator._validate_map,
                      serialize_structure=JSONSerializer._serialize_type_structure,
                      serialize_map=JSONSerializer._serialize_type_map)

    def _validate_structure(self, params, shape, errors, name):  # type: ignore[no-untyped-def]
        if as_it_is(shape, params):
            return
        _originals["validate_structure"](self, params, shape, errors, name)

    def _validate_map(self, param, shape, errors, name):  # type: ignore[no-untyped-def]
        if as_it_is(shape, param):
            return
        _originals["validate_map"](self, param, shape, errors, name)

    def _serialize_request_structure(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        if key is not None and as_it_is(shape, value):
            serialized[key] = value
            return
        _originals["serialize_structure"](self, serialized, value, shape, key)

    def _serialize_request_map(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        if as_it_is(shape, value):
            serialized[key] = value
            return
        _originals["serialize_map"](self, serialized, value, shape, key)

    ParamValidator._validate_structure = _validate_structure  # type: ignore[method-assign]
    ParamValidator._validate_map = _validate_map  # type: ignore[method-assign]
    JSONSerializer._serialize_type_structure = _serialize_request_structure  # type: ignore[method-assign]
    JSONSerializer._serialize_type_map = _serialize_request_map  # type: ignore[method-assign]

    from moto.dynamodb import responses
    from moto.dynamodb.models import dynamo_type, utilities

    _originals.update(dynamo_to_dict=utilities.dynamo_to_dict, DynamoType=dynamo_type.DynamoType)
    utilities.dynamo_to_dict = dynamo_to_dict  # moto's own recursion calls it through the module
    responses.dynamo_to_dict = dynamo_to_dict


def dynamo_to_dict(obj: Any) -> Any:
    """moto.dynamodb.models.utilities.dynamo_to_dict (5.2.5), its common cases first."""
    kind = type(obj)
    if kind is _originals["DynamoType"]:
        held, value = obj.type, obj.value
        if held in _SCALARS:
            if type(value) is _SCALARS[held]:
                return {held: value}
        elif held in _SETS:
            if type(value) is list and all(type(member) is str for member in value):
                return {held: list(value)}
        elif held == "M":
            if type(value) is dict:
                return {"M": {name: dynamo_to_dict(member) for name, member in value.items()}}
        elif held == "L":
            if type(value) is list:
                return {"L": [dynamo_to_dict(member) for member in value]}
    elif kind is dict:
        return {name: dynamo_to_dict(member) for name, member in obj.items()}
    elif kind is list:
        return [dynamo_to_dict(member) for member in obj]
    elif kind in _PLAIN or obj is None:
        return obj
    return _originals["dynamo_to_dict"](obj)


ATTRIBUTE_VALUE = "AttributeValue"  # the model's shape of one attribute value


def holds_attribute_values(shape: Any) -> bool:
    """Whether this shape of the DynamoDB model is an attribute value, or a map of them (an item, a key)."""
    if shape.type_name == "structure":
        return shape.name == ATTRIBUTE_VALUE
    return shape.type_name == "map" and shape.value.name == ATTRIBUTE_VALUE


def as_it_is(shape: Any, value: Any) -> bool:
    """Whether a value of this shape of the DynamoDB model is in wire form: an attribute value, or a map
    of them (an item, a key), that a walker of the model would check, write or read back unchanged."""
    if not holds_attribute_values(shape):
        return False
    return in_wire_form(value if shape.type_name == "structure" else {"M": value})


def in_wire_form(value: Any) -> bool:
    """A DynamoDB attribute value that JSON carries as it is: one known type, no binary data."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    [(kind, held)] = value.items()
    if kind in _SCALARS:
        return isinstance(held, _SCALARS[kind])
    if kind in _SETS:
        return isinstance(held, list) and all(isinstance(member, str) for member in held)
    if kind == "M":
        # An empty name goes moto's way too: its walker merges that value into the map (a stream
        # record holding it cannot be read back), and the local stack keeps moto's answers.
        return isinstance(held, dict) and all(isinstance(name, str) and name and in_wire_form(member)
                                              for name, member in held.items())
    if kind == "L":
        return isinstance(held, list) and all(in_wire_form(member) for member in held)
    return False  # B, BS (bytes to encode) or anything unexpected: moto's own way
