"""The local stack: the Lambda handlers over an in-process AWS emulation (moto), one machine, no account.

`python -m local` starts it (see local/__main__.py); `LocalStack` is the same thing in-process.
"""
from __future__ import annotations

__all__ = ["LocalStack"]


def __getattr__(name: str):
    # Lazy: importing `local` (e.g. `local.outbox`) must not import moto or set any environment.
    if name == "LocalStack":
        from local.stack import LocalStack

        return LocalStack
    raise AttributeError(name)
