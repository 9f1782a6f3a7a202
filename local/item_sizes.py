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

A Query measures each item it answers twice (whether it still fits the 1 MB page, then its part
of the page), and a visit's applications are asked for again and again between writes. Inside
`measured_once` (the local stack's Query runs in it) an item is measured once: for that call, or,
for a table with a stream, until it is written. Every write to such a table reaches its stream,
where local/emulation.py (`_file_written`, as for the index maps) has the item forgotten here, the
one it replaced or deleted too; a cancelled transaction put back writes no record, and the sizes
kept are then dropped whole (local/transactions.py counts them). An item measured and not written
since is still held by the table, so no other item can take its id.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

_INSTALLED = "_local_stack_measured_once"
_SETS = ("SS", "NS", "BS")
_originals: dict[str, Any] = {}
_measuring = threading.local()        # .sizes: id(item) -> its size, while inside measured_once
_KEPT = "_local_stack_item_sizes"     # on a table: (the restores counted then, id(item) -> its size)
DynamoType: Any = None  # moto's class and its bytesize(), bound by install() (moto is imported on use)
bytesize: Any = None


def install() -> None:
    global DynamoType, bytesize
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.utilities import bytesize

    if getattr(DynamoType.size, _INSTALLED, False):
        return
    _originals.update(size=DynamoType.size, item_size=Item.size)
    setattr(size, _INSTALLED, True)
    DynamoType.size = size  # type: ignore[method-assign]
    Item.size = item_size  # type: ignore[method-assign]


@contextmanager
def measured_once(table: Any, restores: int | None) -> Iterator[None]:
    """Inside, each item is measured once. Given `restores` (the cancelled transactions put back so far,
    for a table whose every write reaches `forget`), the sizes stay on the table for later calls while
    that count holds; None: for this call only."""
    if restores is None:
        sizes: dict[int, int] = {}
    else:
        kept = table.__dict__.get(_KEPT)
        if kept is None or kept[0] != restores:
            kept = table.__dict__[_KEPT] = (restores, {})
        sizes = kept[1]
    _measuring.sizes = sizes
    try:
        yield
    finally:
        _measuring.sizes = None


def forget(table: Any, *items: Any) -> None:
    """These items were written, replaced or deleted: measured again when next asked."""
    kept = table.__dict__.get(_KEPT)
    if kept is not None:
        for item in items:
            kept[1].pop(id(item), None)


def item_size(self: Any) -> int:
    """moto's Item.size (5.2.5): its names in UTF-8 and its values, summed; once per item inside measured_once."""
    sizes = getattr(_measuring, "sizes", None)
    if sizes is None:
        return sum(bytesize(name) + value.size() for name, value in self.attrs.items())
    found = sizes.get(id(self))
    if found is None:
        found = sizes[id(self)] = sum(bytesize(name) + value.size() for name, value in self.attrs.items())
    return found


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
