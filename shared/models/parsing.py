"""Bodies checked against their models, with errors that name each offending field as the API does."""
from __future__ import annotations

from typing import Iterable, TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import Invalid

Model = TypeVar("Model", bound=BaseModel)


def field_name(location: Iterable) -> str:
    """("body", "questions", 0) → "questions[0]"; ("host", "contact_email") → "host.contact_email"."""
    name = ""
    for part in location:
        if part == "body" and not name:
            continue
        text = str(part)
        name += f"[{text}]" if isinstance(part, int) or text.isdigit() else (f".{text}" if name else text)
    return name or "body"


def invalid_fields(problems: Iterable[dict]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for problem in problems:
        message = str(problem.get("msg") or problem.get("type") or "invalid").removeprefix("Value error, ")
        name = field_name(problem.get("loc", ()))
        given = problem.get("input")
        if name == "body" and isinstance(given, dict) and message.split(" ", 1)[0] in given:
            name = message.split(" ", 1)[0]  # a rule across fields names the field it blames first
        fields.setdefault(name, message)
    return fields


def parse_body(model: type[Model], body: object) -> Model:
    """The body as `model`, or Invalid naming each offending field."""
    try:
        return model.model_validate(body if isinstance(body, dict) else {})
    except ValidationError as error:
        raise Invalid(invalid_fields(error.errors())) from error


def invalid_from(error: ValidationError) -> Invalid:
    return Invalid(invalid_fields(error.errors()))
