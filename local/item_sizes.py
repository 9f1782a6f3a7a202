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
for a table with a stream, until the table is next written (local/emulation.py `_writes_to`: the
records its stream has had, and the cancelled transactions put back, which write none). An item
changes only by a write, and while none happens the table holds every item it measured, so no
other item can take its id.

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
_kept: dict[int, tuple] = {}          # id(table) -> (table, its writes, its items' sizes)
_KEPT_TABLES = 16
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
def measured_once(table: Any, writes: Any) -> Iterator[None]:
    """Inside, each item is measured once; given the table's `writes` (None: it has no stream to count
    them by), the sizes are kept for the next call until the count changes."""
    if writes is None:
        sizes: dict[int, int] = {}
    else:
        kept = _kept.get(id(table))
        if kept is not None and kept[0] is table and kept[1] == writes:
            sizes = kept[2]
        else:
            if len(_kept) >= _KEPT_TABLES:
                _kept.clear()
            sizes = {}
            _kept[id(table)] = (table, writes, sizes)
    _measuring.sizes = sizes
    try:
        yield
    finally:
        _measuring.sizes = None


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
