"""A function's modules imported without garbage collection, then frozen out of every later collection.

Importing a function creates ~50 000 objects (modules, classes, functions, models) that live as long as
its execution environment, and next to no garbage. CPython's collector counts allocations, not garbage:
part way through the imports it starts a full collection that walks every one of those objects for
nothing (~20 ms of a cold start, `make bench`'s cold_start rows), and later full collections walk them
again. Each handler imports its modules inside `imports_without_gc()`: no collection meanwhile, and
what they made is then frozen (`gc.freeze`), so the collector goes on as usual for what requests create.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def imports_without_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
