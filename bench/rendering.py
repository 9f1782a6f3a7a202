"""Rendering an email (shared.domain.rendering.render_email("offer", ...)): subject, text and HTML.

Warm: the templates already compiled (what every email but a function's first one costs) vs
rendering a trivial, already compiled jinja2 template. First: the first offer a fresh template
environment renders (loading and compiling the templates it uses) vs a warm render.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from jinja2 import Environment

from bench.measure import Result, interleaved, median_of
from shared.domain import rendering
from shared.domain.team import ProgrammeTeam

BENCHMARK = "rendering"

WARM_TARGET = 60.0     # measured ~21-27x
FIRST_TARGET = 120.0   # measured ~42-56x

VISIT = {
    "title": "Staff wellbeing and resilience", "theme": "Wellbeing", "venue": "Force HQ, Preston",
    "host": {"organisation": "Lancashire Constabulary", "contact_name": "Sam Host",
             "contact_email": "host@example.org"},
    "starts_at": datetime(2027, 1, 19, 10, tzinfo=timezone.utc),
    "ends_at": datetime(2027, 1, 19, 16, tzinfo=timezone.utc),
    "applications_close_at": datetime(2026, 12, 1, 12, tzinfo=timezone.utc),
    "prep_call_at": datetime(2027, 1, 10, 14, tzinfo=timezone.utc), "prep_call_dial_in": "0800 000 0000, PIN 1234",
}
CONTEXT = {"name": "Alex Visitor", "visit": VISIT, "team": ProgrammeTeam.of(email="visits@centre.example"), "confirm_by": datetime(2026, 12, 8, 12, tzinfo=timezone.utc),
           "links": {"confirm": "https://api.example/links/abc", "withdraw": "https://api.example/links/def"}}


def render_offer() -> tuple[str, str, str]:
    return rendering.render_email("offer", **CONTEXT)


def _first_render() -> float:
    """Seconds for the first offer of a fresh template environment."""
    rendering.environment.cache_clear()
    started = time.process_time()
    render_offer()
    return time.process_time() - started


def run(repeats: int = 31, number: int = 20, first_repeats: int = 7) -> list[Result]:
    trivial = Environment().from_string("Hello {{ name }}!")
    subject, text, html = render_offer()  # warm
    if not (subject and text and html):
        raise RuntimeError("the offer email rendered empty")
    times = interleaved({"offer": render_offer, "trivial": lambda: trivial.render(name="Alex Visitor")},
                        repeats, number=number)
    firsts: list[float] = []
    warms: list[float] = []
    try:
        for _ in range(max(1, first_repeats)):
            firsts.append(_first_render())
            warms.append(interleaved({"offer": render_offer}, 1, number=number)["offer"])
    finally:
        rendering.environment.cache_clear()
    size = len(subject) + len(text) + len(html)
    return [
        Result(BENCHMARK, "render_email offer (subject, text, HTML)", 1e6 * times["offer"], 1e6 * times["trivial"],
               "µs", WARM_TARGET, "trivial jinja2 template", f"{size:,} characters out"),
        Result(BENCHMARK, "render_email offer, first render (templates compiled)", 1e6 * median_of(firsts),
               1e6 * median_of(warms), "µs", FIRST_TARGET, "warm render_email offer"),
    ]
