"""moto's size of a DynamoDB value, without re-wrapping every nested value to measure it.

moto 5.2.5 measures items (against the 400 KB limit, and for each Query's 1 MB page) with
`DynamoType.size`, which asks the value's type through four method calls and, for every member
of a map, wraps it in a new DynamoType (copying a nested map or list member by member) before
measuring it; `LimitedSizeDict` measures the whole item again at every attribute it sets. Over a
programme that was ~5% of the local stack's time. This computes the same number the same way
(a number: its text's length; text and binary: their bytes; a set: its members as those; a list
or map: its members, a map's names in UTF-8 too; true, false and null: 1), reading the type once
and measuring a member that is already a plain DynamoType as it is. A map member that is not
(a raw value, or a nested list or map, which moto would copy) is wrapped as moto wraps it.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from typing import Any

_INSTALLED = "_local_stack_measured_once"
_SETS = ("SS", "NS", "BS")
_originals: dict[str, Any] = {}
DynamoType: Any = None  # moto's class and its bytesize(), bound by install() (moto is imported on use)
bytesize: Any = None


def install() -> None:
    global DynamoType, bytesize
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    if getattr(DynamoType.size, _INSTALLED, False):
        return
    _originals["size"] = DynamoType.size
    setattr(size, _INSTALLED, True)
    DynamoType.size = size  # type: ignore[method-assign]


def size(self: Any) -> int:
    """moto's DynamoType.size (5.2.5), branch for branch (DynamoType and bytesize: moto's, bound by install())."""
    kind, value = self.type, self.value
    if kind == "N":
        return len(str(value))
    if kind in _SETS:
        member_kind = kind[0]  # "S", "N" or "B": as DynamoType({member_kind: member}).size()
        if member_kind == "N":
            return sum(len(str(member)) for member in value)
        return sum(1 if isinstance(member, bool) else bytesize(member) for member in value)
    if kind == "L":
        return sum(member.size() for member in value)
    if kind == "M":
        return sum(bytesize(name) + (member.size() if type(member) is DynamoType and member.type not in ("L", "M")
                                     else DynamoType(member).size())
                   for name, member in value.items())
    if isinstance(value, bool):
        return 1
    return bytesize(value)
