"""moto's condition expressions, each text cut into its tokens once.

Every conditional write (a claim, a link, a versioned change, each item of a transaction) makes
moto 5.2.5 parse its ConditionExpression from the start: the lexer tries six regular expressions
(compiled again at each token) on what is left of the text, token by token, then the parser
looks up the names and values and builds the tree. Over a programme's year the lexing alone was
~3% of the local stack's time, for a handful of distinct texts. The tokens depend only on the
text: here they are kept by it (bounded) and each parse gets its own fresh copies of them, so
everything after (names, values, the tree, every error it raises) is moto's as before. A text
the lexer rejects is lexed again each time, and raises as moto raises.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any

_originals: dict[str, Any] = {}


def install() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser

    if _originals:
        return
    _originals["lex"] = ConditionExpressionParser._lex_condition_expression
    ConditionExpressionParser._lex_condition_expression = _lex  # type: ignore[method-assign]


def _lex(self: Any) -> deque:
    """moto's ConditionExpressionParser._lex_condition_expression (5.2.5): the text's tokens, each a new node."""
    if type(self.condition_expression) is not str:
        return _originals["lex"](self)
    return deque(node._replace(children=[]) for node in _tokens(self.condition_expression))


@lru_cache(maxsize=1024)
def _tokens(expression: str) -> tuple:
    from moto.dynamodb.comparisons import ConditionExpressionParser

    return tuple(_originals["lex"](ConditionExpressionParser(expression, None, None)))
