"""moto's DynamoDB answers, with item values passed through rather than rebuilt member by member.

moto 5.2.5 serialises every response through a generic model walker: each attribute value of
each item returned is a structure of ten members (S, N, M, L, ...), and for every member of
every value it tries several spellings of its name on the object. A Query returning 30 small
items spent ~85% of its time there, and a local stack playing a programme's year most of its
time. The values moto's DynamoDB hands the serialiser are already in wire form (`{"S": "..."}`,
`{"M": {...}}`): this puts such a value into the answer as it is, exactly as the walker would
have written it. A value holding binary data (B, BS: bytes to be base64-encoded) or a map with an empty name
still goes the long way, so nothing is changed but the time.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from functools import wraps
from typing import Any

_INSTALLED = "_local_stack_pass_through"
_SCALARS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
_SETS = ("SS", "NS")


def install() -> None:
    from moto.core.serialize import BaseJSONSerializer

    if getattr(BaseJSONSerializer._serialize_type_structure, _INSTALLED, False):
        return
    original = BaseJSONSerializer._serialize_type_structure
    original_map = BaseJSONSerializer._serialize_type_map

    @wraps(original)  # __wrapped__: moto's own, for a test comparing both
    def _serialize_type_structure(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        if key and shape.name == "AttributeValue" and in_wire_form(value):
            self._default_serialize(serialized, value, shape, key)
            return
        original(self, serialized, value, shape, key)

    @wraps(original_map)
    def _serialize_type_map(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        # An item (name -> value) whose every value is in wire form: the item as it is, rather
        # than a value at a time (the walker would write each as it is, under its own name).
        if key and shape.value.name == "AttributeValue" and in_wire_form({"M": value}):
            self._default_serialize(serialized, value, shape, key)
            return
        original_map(self, serialized, value, shape, key)

    setattr(_serialize_type_structure, _INSTALLED, True)
    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = _serialize_type_map  # type: ignore[method-assign]


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
