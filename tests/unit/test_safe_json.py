"""Bodies no route may take: non-finite or huge numbers, deep nesting, control characters."""
from __future__ import annotations

import json

import pytest

from shared.models.follow_up import ReflectionIn
from shared.models.safe_json import MAX_DEPTH, nesting, problems


@pytest.mark.parametrize("text, field", [
    ('{"capacity": NaN}', "capacity"),
    ('{"capacity": -Infinity}', "capacity"),
    ('{"host": {"n": 1e400}}', "host.n"),
    ('{"week": 1234567890123456789012345678901234567890}', "week"),
    ('{"name": "Alex\\u0000Applicant"}', "name"),
    ('{"questions": ["ok", "bell\\u0007"]}', "questions[1]"),
    ('{"x": ' + "[" * 5000 + "]" * 5000 + "}", "body"),
])
def test_what_no_body_may_hold_is_named(text, field):
    assert field in problems(text)


def test_ordinary_bodies_pass_with_their_line_breaks():
    body = {"name": "Alex", "motivation": "Line one.\nLine two,\tindented.\r\n", "capacity": 12, "ratio": 0.5,
            "nested": [[[{"a": [1, 2]}]]], "ok": True, "none": None}
    assert problems(json.dumps(body)) == {}
    assert problems("not json at all") == {}  # the route's own parsing answers that


def test_nesting_counts_brackets_outside_strings_only():
    assert nesting('{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert problems('{"a": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}") == {}
    assert problems('{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}") != {}


def test_a_reflection_keeps_only_the_fields_the_contract_names():
    reflection = ReflectionIn.model_validate({"week": 2, "text": "Tried it.", "": "odd", "applied": True})
    assert reflection.model_dump() == {"week": 2, "text": "Tried it."}
