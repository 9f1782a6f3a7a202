"""Imports a cold start should not pay for: a module, or a module's function, imported when first used.

A function serves several routes and reactions, and one request needs one of them: route modules and
consumers name their services through these, so importing a handler imports none of the services,
stores and mail machinery behind them (`make bench`'s cold_start rows). The import system's own lock
makes the first use thread-safe; after it, a use is a lookup in `sys.modules`.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


class Deferred:
    """Stands for a module and imports it on the first attribute read: `intake = Deferred("shared.services.intake")`."""

    def __init__(self, module: str):
        self._deferred_module = module

    def __getattr__(self, attribute: str) -> Any:
        return getattr(import_module(self._deferred_module), attribute)

    def __repr__(self) -> str:
        return f"<deferred {self._deferred_module}>"


def named(path: str) -> Any:
    """The attribute `"module:attribute"` names, importing its module now (call it where it is first needed)."""
    module, attribute = path.split(":")
    return getattr(import_module(module), attribute)


def later(path: str) -> Callable[..., Any]:
    """The function `"module:function"` names, its module imported on the first call, not now: an entry's
    `stores = later("shared.store:stores")` costs a cold start nothing until a request needs the stores."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return named(path)(*args, **kwargs)

    call.__qualname__ = call.__name__ = path.split(":")[1]
    return call
