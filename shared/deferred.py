"""Imports a cold start should not pay for: a module, or a module's function, imported when first used.

A function serves several routes and reactions, and one request needs one of them: route modules and
consumers name their services through these, so importing a handler imports none of the services,
stores and mail machinery behind them (`make bench`'s cold_start rows). The import system's own lock
makes the first use thread-safe; after it, a use is a lookup in `sys.modules`.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any


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
