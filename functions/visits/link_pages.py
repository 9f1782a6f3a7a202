"""Visitors' link pages: the HTML face of `GET/POST /links/{token}` for a browser.

A thin HTTP layer over the very same link actions as the JSON answers (`links.perform`): a page
says what the link does, for which visit and person, with a form that works without JavaScript;
the form's fields become the action's JSON body; the page answered after a POST says what
happened (or shows the form again with each field's error beside it, nothing stored). Unknown,
expired and used links get a page with the JSON answer's status, saying how to reach the team.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response

from shared import clock
from shared.deferred import Deferred, later
from shared.errors import Invalid, NotFound, ProgrammeError
from shared.models.follow_up import FOLLOW_UP_WEEKS
from shared.models.learning import MAX_POINTS
from shared.pages import html_response, render_page

if TYPE_CHECKING:
    from shared.services.links import Link

# Imported on the first link page, not on every cold start of the visits function.
applications, learning, visits = (Deferred("shared.services.applications"), Deferred("shared.services.learning"),
                                  Deferred("shared.services.visits"))
links = Deferred("shared.services.links")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request

Form = dict[str, list[str]]
SHOWN_POINT_FIELDS = 5  # learning point fields shown at first; "Add another point" shows more (up to MAX_POINTS)


def _first(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0]


def _no_body(form: Form) -> dict:
    return {}


def _prep_call_body(form: Form) -> dict:
    choice = _first(form, "attending")
    return {"attending": {"yes": True, "no": False}[choice]} if choice in ("yes", "no") else {}


def _learning_points_body(form: Form) -> dict:
    body: dict = {"points": [p for p in form.get("points", []) if p.strip()],
                  "public": _first(form, "public") != "no"}
    if _first(form, "will_adopt").strip():
        body["will_adopt"] = _first(form, "will_adopt")
    return body


def _reflection_body(form: Form) -> dict:
    week = _first(form, "week").strip()
    body: dict = {"text": _first(form, "text")}
    if week.isdigit():
        body["week"] = int(week)
    return body


@dataclass(frozen=True)
class LinkPage:
    """How one link action looks to a browser."""

    heading: str                             # what the link does, as the page's heading
    body: Callable[[Form], dict]             # the form's fields → the action's JSON body
    # When the action needs a choice, the message shown when the field is left out.
    required: dict[str, str]


PAGES: dict[str, LinkPage] = {
    "confirm": LinkPage("Confirm your place", _no_body, {}),
    "withdraw": LinkPage("Withdraw your application", _no_body, {}),
    "prep_call": LinkPage("Can you join the preparation call?", _prep_call_body,
                          {"attending": "Choose whether you can join the call"}),
    "learning_points": LinkPage("Send your learning points", _learning_points_body,
                                {"points": "Write at least one learning point"}),
    "reflections": LinkPage("Share a reflection", _reflection_body,
                            {"week": "Choose the week this reflection is for",
                             "text": "Write your reflection"}),
    "stop_follow_up": LinkPage("Stop the follow-up emails", _no_body, {}),
}


def parse_form(raw: str) -> Form:
    return parse_qs(raw or "", keep_blank_values=True)


def form_body(action: str, form: Form) -> dict:
    """The JSON body a page's form stands for."""
    return PAGES[action].body(form)


# --- pages ------------------------------------------------------------------------------------

def _opened(resolve: Callable[[], Link]) -> tuple[Link, dict] | Response:
    """The link and its page's context, or the page of an unknown, expired or no longer usable link."""
    try:
        link = resolve()
        return link, _context(link)
    except links.LinkExpired as error:
        return problem(error, context=_context_if_any(error.link))
    except ProgrammeError as error:
        return problem(error)


def describe(resolve: Callable[[], Link]) -> Response:
    """GET: the page for a link (never performing it), or the page of an unknown or expired link."""
    opened = _opened(resolve)
    if isinstance(opened, Response):
        return opened
    link, context = opened
    return _page(200, link, context, form={}, errors={})


def perform(resolve: Callable[[], Link], form: Form, run: Callable[[Link, dict], tuple[int, dict]]) -> Response:
    """POST from the page's form: the result page, the form again with its errors, or a problem page."""
    opened = _opened(resolve)
    if isinstance(opened, Response):
        return opened
    link, context = opened
    if link.action == "learning_points" and "more" in form:  # "Add another point": nothing is sent yet
        return _page(200, link, context, form=form, errors={}, extra_point=True)
    try:
        status, answer = run(link, form_body(link.action, form))
    except Invalid as error:
        return _page(422, link, context, form=form, errors=_field_errors(link.action, error))
    except ProgrammeError as error:
        return problem(error, link=link, context=context)
    context = _context(link)  # read again: the page shows the new status
    return html_response(status, render_page("link_done.html", action=link.action, errors={}, heading=_done_heading(
        link.action, answer), answer=answer, **context))


def problem(error: ProgrammeError, link: Link | None = None, context: dict | None = None) -> Response:
    """An unknown (404), expired or no longer possible (409) link: what happened and whom to ask."""
    if isinstance(error, NotFound) and link is None:
        kind, heading = "unknown", "We do not recognise this link"
    elif isinstance(error, links.LinkExpired):
        kind, heading = "expired", "This link has expired"
    else:
        kind, heading = "closed", "This can no longer be done"
    return html_response(error.status, render_page("link_problem.html", kind=kind, heading=heading,
                                                    message=_sentence(error.message), **(context or {})))


def _page(status: int, link: Link, context: dict, *, form: Form, errors: dict[str, str],
          extra_point: bool = False) -> Response:
    state = _state(link.action, context["application"])
    template = f"link_{link.action}.html" if state == "open" else "link_used.html"
    values = _values(link.action, context, form)
    if link.action == "learning_points":
        filled = len(values["points"])
        shown = max(SHOWN_POINT_FIELDS, filled + (1 if extra_point else 0))
        values["points"] = (values["points"] + [""] * MAX_POINTS)[:min(shown, MAX_POINTS)]
    return html_response(status, render_page(template, action=link.action, heading=PAGES[link.action].heading,
                                              state=state, errors=errors, values=values,
                                              expires_at=link.expires_at, max_points=MAX_POINTS,
                                              weeks=range(1, FOLLOW_UP_WEEKS + 1), **context))


def _context_if_any(link: Link) -> dict:
    """The visit and application an expired link was for, when they can still be read."""
    try:
        return _context(link)
    except ProgrammeError:
        return {}


def _context(link: Link) -> dict:
    application = applications.find(stores(), link.application_id)
    return {"application": application, "visit": visits.find(stores(), application.visit_id), "now": clock.now()}


def _state(action: str, application) -> str:
    """open (the form), done (a used link: already done) or closed (no longer possible) for a GET."""
    status = application.status
    if action == "confirm":
        return "done" if status == "confirmed" else "open" if status == "offered" else "closed"
    if action == "withdraw":
        return "done" if status == "withdrawn" else "closed" if status in ("expired", "substituted") else "open"
    if action == "stop_follow_up":
        return "done" if application.follow_up_stopped else "open"
    return "closed" if status in ("withdrawn", "expired", "substituted") else "open"


def _values(action: str, context: dict, form: Form) -> dict:
    """What the form shows: what was just sent, else what is stored, else the defaults."""
    if action == "learning_points":
        if form:
            return {"points": [p for p in form.get("points", []) if p.strip()],
                    "will_adopt": _first(form, "will_adopt"), "public": _first(form, "public") != "no"}
        stored = learning.points_of(stores(), context["application"].application_id)
        if stored is None:
            return {"points": [], "will_adopt": "", "public": True}
        return {"points": list(stored.points), "will_adopt": stored.will_adopt or "", "public": stored.public}
    if action == "reflections":
        return {"week": _first(form, "week") or str(_current_week(context["visit"].starts_at, context["now"])),
                "text": _first(form, "text")}
    if action == "prep_call":
        return {"attending": _first(form, "attending")}
    return {}


def _current_week(starts_at: datetime | None, now: datetime) -> int:
    """The follow-up week it is now (1 to 6), counted from the visit's start."""
    if starts_at is None or now <= starts_at:
        return 1
    return max(1, min(FOLLOW_UP_WEEKS, (now - starts_at).days // 7))


def _field_errors(action: str, error: Invalid) -> dict[str, str]:
    """Each offending form field and a sentence a visitor understands ("points[2]" → "points-2")."""
    required = PAGES[action].required
    errors: dict[str, str] = {}
    for field, message in error.fields.items():
        name = field.replace("[", "-").replace("]", "")
        base = name.split("-")[0]
        missing = any(words in message.lower() for words in ("required", "at least 1 item", "blank"))
        if base in required and (missing or base == "attending") and "-" not in name:
            errors[base] = required[base]
        elif base == "points" and "-" in name:
            index = int(name.split("-")[1])
            errors[name] = f"Learning point {index + 1}: {_sentence(message)}"
        else:
            label = {"will_adopt": "What you will adopt", "text": "Your reflection", "week": "The week",
                     "points": "Learning points"}.get(base, base)
            errors[name] = f"{label}: {_sentence(message)}"
    return errors


def _sentence(message: str) -> str:
    message = message.strip()
    return (message[:1].upper() + message[1:]).rstrip(".") + "."


def _done_heading(action: str, answer: dict) -> str:
    if action == "prep_call":
        return "Thank you: you will join the call" if answer.get("attending") else "Thank you for letting us know"
    return {
        "confirm": "Your place is confirmed",
        "withdraw": "Your application is withdrawn",
        "learning_points": "Thank you: your learning points are in",
        "reflections": "Thank you: your reflection is recorded",
        "stop_follow_up": "No more follow-up emails",
    }[action]
