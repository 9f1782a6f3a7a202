"""Email wording, rendered from jinja2 templates as pure code (no AWS, no clock).

`render_email(kind, **context)` gives `(subject, text, html)` from
`shared/templates/email/{kind}.subject.txt`, `{kind}.txt` and `{kind}.html`. HTML is
autoescaped, text is not; an undefined name is an error, never a silent blank.

Every template takes:

- `name`: the recipient's name (the visitor's, or the host contact's for host emails)
- `visit`: the visit (the `Visit` model or its answer dict); templates read `title`, `theme`,
  `venue`, `starts_at`, `ends_at`, `host.organisation`, and for the call `prep_call_at` and
  `prep_call_dial_in`. Times are UTC datetimes (or ISO text), shown in London time;
  `starts_at` / `prep_call_at` may be None ("to be confirmed").
- `links` (optional, default `{}`): action -> URL, shown as buttons in the order given.
  Known actions (see `LINK_LABELS`): confirm, withdraw, prep_call, learning_points,
  reflections, stop_follow_up; any other key is shown with a label made from its name.

| kind | also expects | usual links |
|---|---|---|
| receipt | (reads `visit.applications_close_at`) | withdraw |
| offer | `confirm_by` (datetime: the offer lapses after it), `promotion`, `call_ahead` (the call is still to come), `applicant` (optional: the member's copy, naming whom they applied for; no links) | confirm, withdraw |
| offer_reminder | `confirm_by` | confirm, withdraw |
| waitlist | `position` (int), `reason` (str), `last_offer_at` (optional datetime), `final` (optional: no place will be offered now), `applicant` (optional: the member's copy) | withdraw |
| offer_expired | `confirm_by` (optional), `applicant` (optional: the member's copy) | |
| calendar_update | `change` (shared/domain/changes.py): visit_set, visit_date, visit_time, visit_venue, visit_unset, call_set, call_moved, call_unset; or "confirmed" (a place confirmed by a visitor not joining the call: `call_passed`, `material_sent`) or "call_declined" (`material_sent`); `confirm_by` (optional: an offer still open) | withdraw, or prep_call for the call |
| cancellation | `reason` (optional): "visit_cancelled" (default), "withdrawn" or "substituted" (with `substitute_name`); `note` (optional): the coordinator's reason for cancelling; `by` ("visitor" (default) or "coordinator": who withdrew), `previous_status` (default "confirmed": a holder's has calendar CANCELs), `applicant` (optional: the member's copy, naming whom they applied for) | |
| host_update | `change`: "date" (`what`: a visit change of shared/domain/changes.py), "withdrawal" (`person`), "substitution" (`person`, `substitute` as a host_questions visitor), "cancellation" (`reason`?); `visitors` ([str] now expected), `calendar`: None, "update" or "cancel" | |
| alert | `what`: "offer_lapsed" (`person`, `deadline`, `held`, `waiting`), "below_minimum" (`person`, `organisation`, `held_by_organisation`), "underfilled" (`offered`, `applicants`, `waiting`), "empty_report" (`visitors`) | |
| links_reissued | (nothing more) | every action open to the visitor now |
| member_cancellation | `applicants`: [{`name`, `status`}], `reason`?, `any_holders` | |
| prep_call_invite | `why`: "confirmed" (on confirmation, with the visit's CONFIRMED event), "rejoined" (they can join after all) or "invited" (default); reads `visit.prep_call_at`, `visit.prep_call_dial_in` | prep_call, withdraw |
| prep_call_reminder | (the same; the dial-in is shown) | prep_call |
| background_material | `material` (str, plain text; blank lines separate paragraphs) | |
| visit_reminder_7d | (nothing more) | withdraw |
| visit_reminder_1d | (nothing more) | withdraw |
| host_questions | `visitors`: list of {`name`, `organisation`, `role`, `job_title`, `questions`: [str], `accessibility_needs`?: str (only when shared)} | |
| learning_points_request | `deadline` (optional datetime) | learning_points |
| learning_points_reminder | `deadline` (optional datetime) | learning_points |
| report_to_host | `visitor_count`, `organisation_count`, `answered` (visitors who sent points) (int), `points` ([str], at least one), `adoptions` (optional [str]) | |
| follow_up_week | `week` (int, 1..6) | reflections, stop_follow_up |
| impact_note | `reflections` ([str], unattributed), `adoptions` (optional [str]), `audience` (optional: "host" (default), "coordinators", "lead": an organisation's lead) | |

Filters: `london` ("Thursday 19 January 2017, 10:00 GMT"), `london_date`
("Thursday 19 January 2017"), `london_time` ("10:00 GMT"); None gives "to be confirmed".
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LONDON = ZoneInfo("Europe/London")
TO_BE_CONFIRMED = "to be confirmed"

KINDS = (
    "receipt", "offer", "offer_reminder", "waitlist", "offer_expired", "calendar_update", "cancellation",
    "prep_call_invite", "prep_call_reminder", "background_material", "visit_reminder_7d",
    "visit_reminder_1d", "host_questions", "learning_points_request", "learning_points_reminder",
    "report_to_host", "follow_up_week", "impact_note",
    "host_update", "member_cancellation", "substitute_place", "alert", "links_reissued",
)

LINK_LABELS = {
    "confirm": "Confirm my place",
    "withdraw": "Withdraw",
    "prep_call": "Tell us if you can join the call",
    "learning_points": "Send my learning points",
    "reflections": "Share a reflection",
    "stop_follow_up": "Stop these weekly emails",
}

# Optional context, so callers pass only what differs from the usual case.
DEFAULTS: dict[str, dict[str, Any]] = {
    "cancellation": {"reason": "visit_cancelled", "note": None, "substitute_name": None, "by": "visitor",
                     "previous_status": "confirmed", "applicant": None},
    "host_questions": {"calendar": False},
    "host_update": {"person": None, "substitute": None, "visitors": [], "reason": None, "calendar": None,
                    "what": "visit_date"},
    "member_cancellation": {"reason": None, "any_holders": False},
    "waitlist": {"applicant": None, "last_offer_at": None, "final": False},
    "offer": {"applicant": None, "promotion": False, "call_ahead": True},
    "offer_expired": {"applicant": None, "confirm_by": None},
    "calendar_update": {"confirm_by": None, "material_sent": False, "call_passed": False},
    "prep_call_invite": {"why": "invited"},
    "substitute_place": {"call_invite": False},
    "receipt": {"applicant": None},
    "learning_points_request": {"deadline": None},
    "learning_points_reminder": {"deadline": None},
    "report_to_host": {"adoptions": []},
    "impact_note": {"adoptions": [], "audience": "host"},
}


def render_email(name: str, /, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of the email `name` (one of KINDS) for `context`.

    `name` is positional-only so that the context may carry the recipient's `name`.
    """
    if name not in KINDS:
        raise ValueError(f"unknown email template {name!r}")
    if name == "follow_up_week" and context.get("week") not in range(1, 7):
        raise ValueError("follow_up_week needs week 1..6")
    values = {"links": {}, **DEFAULTS.get(name, {}), **context}
    env = environment()
    subject = env.get_template(f"email/{name}.subject.txt").render(values)
    text = env.get_template(f"email/{name}.txt").render(values)
    html = env.get_template(f"email/{name}.html").render(values)
    return _one_line(subject), _tidy(text), html


@lru_cache(maxsize=1)
def environment() -> Environment:
    # jinja2 is imported by the first email or report rendered, not by every cold start.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the code: no need to stat each file at every render
    )
    env.filters.update(london=london, london_date=london_date, london_time=london_time)
    env.globals.update(link_label=link_label)
    return env


def london(moment: datetime | str | None) -> str:
    """A UTC time as London local time: "Thursday 19 January 2017, 10:00 GMT"."""
    local = _in_london(moment)
    return TO_BE_CONFIRMED if local is None else f"{_date(local)}, {_time(local)}"


def london_date(moment: datetime | str | None) -> str:
    local = _in_london(moment)
    return TO_BE_CONFIRMED if local is None else _date(local)


def london_time(moment: datetime | str | None) -> str:
    local = _in_london(moment)
    return TO_BE_CONFIRMED if local is None else _time(local)


def link_label(action: str) -> str:
    return LINK_LABELS.get(action) or action.replace("_", " ").capitalize()


def in_london(moment: datetime | str | None) -> datetime | None:
    """A stored time (UTC datetime or ISO text) as London local time; None stays None."""
    return _in_london(moment)


def _in_london(moment: datetime | str | None) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # stored times are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)


def _date(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B %Y}"  # no zero-padded day, on any platform


def _time(local: datetime) -> str:
    return f"{local:%H:%M} {local.tzname()}"


def _one_line(subject: str) -> str:
    return re.sub(r"\s+", " ", subject).strip()


def _tidy(text: str) -> str:
    # Optional sections leave runs of blank lines behind; one blank line is enough.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
