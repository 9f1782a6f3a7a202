"""The emails moto keeps for the outbox, kept compressed.

moto's SES keeps every email sent as its raw MIME text (`RawMessage.raw_data`), which the outbox,
the mail viewer and the demo read back. A programme's emails are long (an HTML part and a text
part, quoted-printable, the shared stylesheet inlined) and many: over an allocation season
(~3,800 emails) they were ~54 MB of the local stack's memory, most of what the season added
besides the table itself. An email is read far less often than it is kept: here `raw_data` is
stored zlib-compressed and given back decompressed, the very same text (any `str`, lone surrogates
included), to whatever reads it. One email alone compresses only ~3x (most of it is the inlined
stylesheet and layout, said once per email), but each says them as the others do: compressed with
the first email kept as zlib's preset dictionary, a programme's emails take ~1/25 of their text.

moto's `send_raw_email` also parses each email whole (every part of its MIME tree) only to read
its From, To, Cc and Bcc headers: here it parses the headers alone, which read the same.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

import zlib
from typing import Any

_INSTALLED = "_local_stack_compressed"
_ZIPPED = "_local_stack_raw_zipped"
_LEVEL = 6
_WINDOW = 32 * 1024  # zlib's dictionary is at most its window

# The preset dictionary: the first email's text (its last 32 KB), set once and never changed, so
# that every email compressed with it can be read back for the process's life. moto is serialised.
_dictionary: bytes | None = None


def install() -> None:
    from moto.ses import models

    if not isinstance(models.email, _HeadersOnly):
        models.email = _HeadersOnly(models.email)
    RawMessage = models.RawMessage
    current = RawMessage.__dict__.get("raw_data")
    if getattr(current, "fget", None) is not None and getattr(current.fget, _INSTALLED, False):
        return
    setattr(_get, _INSTALLED, True)
    RawMessage.raw_data = property(_get, _set)  # type: ignore[attr-defined]


class _HeadersOnly:
    """The `email` module as moto's SES models see it, but for `message_from_string`, which parses the
    headers only (the body is kept as one text): all send_raw_email reads are the addresses."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    @staticmethod
    def message_from_string(text: str, *args: Any, **kwargs: Any) -> Any:
        from email.parser import Parser

        return Parser(*args, **kwargs).parsestr(text, headersonly=True)


def _set(self: Any, value: Any) -> None:
    global _dictionary
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        preset = _dictionary
        compressor = zlib.compressobj(_LEVEL) if preset is None else zlib.compressobj(_LEVEL, zdict=preset)
        self.__dict__[_ZIPPED] = (compressor.compress(data) + compressor.flush(), preset is not None)
        self.__dict__.pop("_local_stack_raw", None)
        if preset is None and data:
            _dictionary = data[-_WINDOW:]
    else:  # not text (moto always passes text): kept as it is
        self.__dict__.pop(_ZIPPED, None)
        self.__dict__["_local_stack_raw"] = value


def _get(self: Any) -> Any:
    kept = self.__dict__.get(_ZIPPED)
    if kept is not None:
        zipped, preset = kept
        decompressor = zlib.decompressobj(zdict=_dictionary) if preset else zlib.decompressobj()
        return (decompressor.decompress(zipped) + decompressor.flush()).decode("utf-8", "surrogatepass")
    if "_local_stack_raw" in self.__dict__:
        return self.__dict__["_local_stack_raw"]
    raise AttributeError("raw_data")


def has_raw_data(message: Any) -> bool:
    """`hasattr(message, "raw_data")` without decompressing it: a sent message kept as raw MIME (moto's
    simple messages have none). Those who scan every sent message ask this first."""
    held = getattr(message, "__dict__", None)
    if held is None:
        return hasattr(message, "raw_data")
    return _ZIPPED in held or "_local_stack_raw" in held or "raw_data" in held


def kept_bytes(message: Any) -> int:
    """How many bytes a sent message's MIME text takes as kept (compressed), for the memory bench."""
    kept = getattr(message, "__dict__", {}).get(_ZIPPED)
    if kept is not None:
        return len(kept[0])
    return len(getattr(message, "raw_data", "") or "")
