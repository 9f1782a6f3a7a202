"""What no body may hold, whatever its route: checked on the raw JSON before any model reads it.

Python's json module reads `NaN`, `Infinity` and `1e400` (as a float that is not finite), any
number of digits (DynamoDB keeps 38), and nesting until the interpreter's recursion limit (a
crash, not an answer). Strings may carry control characters (`\\u0000`, escape sequences) that
no name, email or text of this programme needs. Each of these answers 422 naming the field.
"""
from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2 ** 53          # the largest integer every JSON reader keeps exactly
ALLOWED_CONTROLS = frozenset("\t\n\r")  # line breaks and tabs belong in free text


class _NotANumber(float):
    """A marker for NaN / Infinity / -Infinity as written in the body."""


def problems(text: str) -> dict[str, str]:
    """{field: why} for a JSON body that must be refused; {} when it is fine (or not JSON at all:
    the route's own parsing answers that)."""
    depth = nesting(text)
    if depth > MAX_DEPTH:
        return {"body": f"is nested {depth} levels deep; at most {MAX_DEPTH} are accepted"}
    try:
        value = json.loads(text, parse_constant=_NotANumber)
    except (ValueError, RecursionError):
        return {}
    found: dict[str, str] = {}
    _walk(value, "", found)
    return found


def nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _walk(value: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_control(key):
                found.setdefault(path or "body", "a field name holds a control character")
                continue
            _walk(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", found)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (_NotANumber,)) or (isinstance(value, float) and not math.isfinite(value)):
        found.setdefault(path or "body", "must be a finite number")
    elif isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        found.setdefault(path or "body", f"must be a number between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}")
    elif isinstance(value, str) and _has_control(value):
        found.setdefault(path or "body", "must not contain control characters")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS for char in text)


def single_line(value: str) -> str:
    """A validator for names and titles: one line, no control character at all."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("must be one line, without control characters")
    return value
