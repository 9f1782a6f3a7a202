"""A members' area on another origin reads the API's answers only when its origin is configured."""
from __future__ import annotations

from shared.entry import api_function
from shared.http import make_resolver
from functions.visits.routes import router
from tests.helpers import Context, api_event


def answer_headers(handler, origin: str) -> dict:
    answer = handler(api_event("GET", "/visits", "/visits", headers={"Origin": origin}), Context())
    assert answer["statusCode"] == 200
    return {k.lower(): v for k, v in (answer.get("multiValueHeaders") or {}).items()}


def test_configured_origins_are_allowed_and_others_are_not(aws, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://members.example.org,https://www.example.org")
    _, handler = api_function(router)
    for origin in ("https://members.example.org", "https://www.example.org"):
        assert answer_headers(handler, origin)["access-control-allow-origin"] == [origin]
    assert "access-control-allow-origin" not in answer_headers(handler, "https://evil.example")


def test_without_configured_origins_no_answer_carries_cors_headers(aws, monkeypatch):
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    assert make_resolver()._cors is None
    _, handler = api_function(router)
    assert "access-control-allow-origin" not in answer_headers(handler, "https://members.example.org")
