"""HTML pages for people: one layout (`templates/page/_base.html`), one stylesheet (`templates/style.css`,
inlined: no external assets), rendered with the emails' jinja2 environment (autoescaped HTML).

A page is an HTTP concern like a JSON answer: routes decide whether the caller wants HTML
(`wants_html`) and answer with `html_response(status, render_page(...))`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shared.domain.rendering import environment
from shared.settings import settings

PROGRAMME = "Peer Learning Visits"
# Pages for people are never cached (they show a link's current state) and never framed elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


@dataclass(frozen=True)
class Team:
    """Who people contact about the programme (the settings' programme team): in every page's footer."""

    programme: str          # the programme's name, in every page's header
    name: str               # the team's name ("Peer Learning Visits team")
    email: str              # its inbox
    contact_line: str = ""  # the settings' own contact line, when one is set (the default one speaks of replying)


def programme_team() -> Team:
    current = settings()
    team = current.programme_team
    return Team(programme=PROGRAMME, name=team.name, email=team.email,
                contact_line=current.programme_team_contact.strip())


def render_page(template: str, **context: Any) -> str:
    """The page `templates/page/{template}` (extending `_base.html`) for `context`."""
    return environment().get_template(f"page/{template}").render({"team": programme_team(), **context})


def wants_html(headers: dict[str, str] | None) -> bool:
    """A browser (Accept names text/html before any JSON type) rather than an API client."""
    accept = next((v for k, v in (headers or {}).items() if k.lower() == "accept"), "") or ""
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    for media in types:
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media == "application/json" or media.endswith("+json"):
            return False
    return False


def html_response(status: int, html: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=html,
                    headers={**PAGE_HEADERS, **(headers or {})})
