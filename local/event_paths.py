"""moto's EventBridge delivery, without building a JSONPath parser for every path of every event.

moto 5.2.5 renders each event it delivers to a target through `EventTemplateParser.parse`, which
calls `jsonpath_ng.ext.parse` on each of the eight input paths of its default template ("$.id",
"$.detail", ...); each call builds a new PLY lexer and parser from the grammar (~1 ms). A PutEvents
of ten entries, each delivered to its rule's queue, cost ~30 ms locally, nearly all of it there.
The parsed path is a tree that `find` only reads, so one parse per distinct path text serves
every later call with the same answer.

Installed once per process by `install()` (the local stack calls it): it wraps
`jsonpath_ng.ext.parse`, which moto's events module imports at each call, with a bounded cache.
Nothing in the app's own code uses jsonpath_ng.
"""
from __future__ import annotations

from functools import lru_cache, wraps
from typing import Any

_INSTALLED = "_local_stack_cached_paths"


def install() -> None:
    import jsonpath_ng.ext

    if getattr(jsonpath_ng.ext.parse, _INSTALLED, False):
        return
    original = jsonpath_ng.ext.parse

    @lru_cache(maxsize=512)
    def parsed(path: str) -> Any:
        return original(path)

    @wraps(original)  # __wrapped__: the original, for a test comparing both
    def parse(path: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(path, str):
            return original(path, *args, **kwargs)
        return parsed(path)

    setattr(parse, _INSTALLED, True)
    jsonpath_ng.ext.parse = parse


