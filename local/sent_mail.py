"""The emails moto keeps for the outbox, kept compressed.

moto's SES keeps every email sent as its raw MIME text (`RawMessage.raw_data`), which the outbox,
the mail viewer and the demo read back. A programme's emails are long (an HTML part and a text
part, quoted-printable, the shared stylesheet inlined) and many: over an allocation season
(~3,800 emails) they were ~54 MB of the local stack's memory, most of what the season added
besides the table itself. MIME text compresses about tenfold, and an email is read far less
often than it is kept: here `raw_data` is stored zlib-compressed and given back decompressed,
the very same text (any `str`, lone surrogates included), to whatever reads it.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

import zlib
from typing import Any

_INSTALLED = "_local_stack_compressed"
_ZIPPED = "_local_stack_raw_zipped"
_LEVEL = 1  # fast; MIME compresses well even so


def install() -> None:
    from moto.ses.models import RawMessage

    current = RawMessage.__dict__.get("raw_data")
    if getattr(current, "fget", None) is not None and getattr(current.fget, _INSTALLED, False):
        return
    setattr(_get, _INSTALLED, True)
    RawMessage.raw_data = property(_get, _set)  # type: ignore[attr-defined]


def _set(self: Any, value: Any) -> None:
    if isinstance(value, str):
        self.__dict__[_ZIPPED] = zlib.compress(value.encode("utf-8", "surrogatepass"), _LEVEL)
        self.__dict__.pop("_local_stack_raw", None)
    else:  # not text (moto always passes text): kept as it is
        self.__dict__.pop(_ZIPPED, None)
        self.__dict__["_local_stack_raw"] = value


def _get(self: Any) -> Any:
    zipped = self.__dict__.get(_ZIPPED)
    if zipped is not None:
        return zlib.decompress(zipped).decode("utf-8", "surrogatepass")
    if "_local_stack_raw" in self.__dict__:
        return self.__dict__["_local_stack_raw"]
    raise AttributeError("raw_data")


def kept_bytes(message: Any) -> int:
    """How many bytes a sent message's MIME text takes as kept (compressed), for the memory bench."""
    zipped = getattr(message, "__dict__", {}).get(_ZIPPED)
    if zipped is not None:
        return len(zipped)
    return len(getattr(message, "raw_data", "") or "")
