"""The programme's errors. Each knows the HTTP status the API answers with."""
from __future__ import annotations


class ProgrammeError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(ProgrammeError):
    status = 400


class Unauthorized(ProgrammeError):
    status = 401


class Forbidden(ProgrammeError):
    status = 403


class NotFound(ProgrammeError):
    status = 404


class Conflict(ProgrammeError):
    status = 409


class PayloadTooLarge(ProgrammeError):
    status = 413


class UnsupportedMediaType(ProgrammeError):
    status = 415

    def __init__(self, message: str = "send the body as JSON (Content-Type: application/json)"):
        super().__init__(message)


class Invalid(ProgrammeError):
    """A body that does not validate; `fields` maps each offending field to why."""

    status = 422

    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid request: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class ConfigurationError(RuntimeError):
    pass
