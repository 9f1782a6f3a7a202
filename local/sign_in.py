"""`GET /_local/sign-in`: the local stack's stand-in for the user pool's managed login.

With `email` (and optionally `name`, `organisation`, `groups=coordinators`, `next`) it signs that
person in, with the same claims as `/_local/token`, in the same session cookie the console's
callback sets in AWS, and redirects to `next`. Without `email` it shows a small form asking for them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from local.apigateway import HttpAnswer

if TYPE_CHECKING:
    from local.stack import LocalStack


def _one(query: dict[str, list[str]], name: str) -> str:
    return ((query.get(name) or [""])[-1] or "").strip()


def answer(stack: LocalStack, query: dict[str, list[str]], lifetime_seconds: int) -> HttpAnswer:
    from shared import session as sessions
    from shared.pages import PAGE_HEADERS, render_page

    email = _one(query, "email")
    groups = [g.strip() for value in query.get("groups", []) for g in value.split(",") if g.strip()]
    default = "/console" if "coordinators" in groups else "/members"
    next_path = sessions.safe_next(_one(query, "next"), default=default)
    if not email:
        html = render_page("console/local_sign_in.html", session=None, csrf="", csrf_field=sessions.CSRF_FIELD,
                           base="", next_path=next_path, section="")
        return HttpAnswer(200, [("Content-Type", "text/html; charset=utf-8"), *PAGE_HEADERS.items()],
                          html.encode("utf-8"))
    token = stack.issue_token(email, name=_one(query, "name") or None, organisation=_one(query, "organisation"),
                              groups=groups)
    return HttpAnswer(302, [("Location", next_path), ("Cache-Control", "no-store"),
                            ("Set-Cookie", sessions.session_cookie(token, lifetime_seconds)),
                            ("Content-Type", "text/plain; charset=utf-8")], b"")
