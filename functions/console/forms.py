"""Forms of the console and the members' pages ↔ the JSON bodies of the API's routes.

Browsers post strings; the API's models take typed JSON. Here each form becomes the body the
JSON route takes (empty optional fields left out, times typed in London time turned into UTC),
so the very same model validates it and names the same fields; and a stored object becomes the
values a form shows again.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from shared.models.application import Application
from shared.models.visit import Visit

Form = dict[str, list[str]]
LONDON = ZoneInfo("Europe/London")
VISIT_TIMES = ("starts_at", "ends_at", "applications_close_at", "prep_call_at")
QUESTION_FIELDS = 5


def _first(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def london_input(moment: datetime | None) -> str:
    """A UTC time as the value of an `<input type="datetime-local">` in London time."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _time(text: str) -> str | None:
    """`2027-03-02T10:00` typed in London time → ISO in UTC; anything else passes through for the
    model to refuse (with its own message)."""
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        return text
    if local.tzinfo is None:
        local = local.replace(tzinfo=LONDON)
    return local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(text: str) -> int | str | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def visit_body(form: Form, *, for_patch: bool = False) -> dict:
    """The body of `POST /visits` (or the merge patch of `PATCH /visits/{id}`) a visit's form stands for."""
    body: dict = {
        "title": _first(form, "title"), "theme": _first(form, "theme"), "venue": _first(form, "venue"),
        "host": {"organisation": _first(form, "host.organisation"),
                 "contact_name": _first(form, "host.contact_name"),
                 "contact_email": _first(form, "host.contact_email")},
        "capacity": _number(_first(form, "capacity")),
    }
    for name in VISIT_TIMES:
        body[name] = _time(_first(form, name))
    body["prep_call_dial_in"] = _first(form, "prep_call_dial_in") or None
    for name in ("min_per_organisation", "max_per_organisation"):
        body[name] = _number(_first(form, name))
    if for_patch:
        return body  # a cleared field is null: merge patch removes it
    return {k: v for k, v in body.items() if v is not None or k == "starts_at"}


def visit_values(visit: Visit | None, form: Form | None = None) -> dict:
    """What a visit's form shows: what was posted (after an error), else the visit as stored."""
    if form is not None:
        return {name: _first(form, name) for name in (
            "title", "theme", "venue", "host.organisation", "host.contact_name", "host.contact_email", "capacity",
            *VISIT_TIMES, "prep_call_dial_in", "min_per_organisation", "max_per_organisation")}
    if visit is None:
        return {"min_per_organisation": "2", "max_per_organisation": "4"}
    return {
        "title": visit.title, "theme": visit.theme, "venue": visit.venue,
        "host.organisation": visit.host.organisation, "host.contact_name": visit.host.contact_name,
        "host.contact_email": visit.host.contact_email, "capacity": str(visit.capacity),
        **{name: london_input(getattr(visit, name)) for name in VISIT_TIMES},
        "prep_call_dial_in": visit.prep_call_dial_in or "",
        "min_per_organisation": str(visit.min_per_organisation),
        "max_per_organisation": str(visit.max_per_organisation),
    }


def person_body(form: Form, *, questions_required: bool = True) -> dict:
    """The body of an application (`POST /visits/{id}/applications`) or of a substitute."""
    body: dict = {"name": _first(form, "name"), "email": _first(form, "email"), "role": _first(form, "role"),
                  "job_title": _first(form, "job_title"), "prep_call": _first(form, "prep_call")}
    motivation = _first(form, "motivation")
    questions = [q.strip() for q in form.get("questions", []) if q.strip()]
    if motivation or questions_required:
        body["motivation"] = motivation
    if questions or questions_required:
        body["questions"] = questions
    needs = _first(form, "accessibility_needs")
    if needs:
        body["accessibility_needs"] = needs
    if _first(form, "share_accessibility_needs") == "yes":
        body["share_accessibility_needs"] = True
    if not body["role"]:
        body.pop("role")
    if not body["prep_call"]:
        body.pop("prep_call")
    return body


def person_values(form: Form | None = None) -> dict:
    values = {name: _first(form or {}, name) for name in (
        "name", "email", "role", "job_title", "motivation", "prep_call", "accessibility_needs",
        "share_accessibility_needs")}
    questions = [q for q in (form or {}).get("questions", [])]
    values["questions"] = (questions + [""] * QUESTION_FIELDS)[:QUESTION_FIELDS]
    return values


EMAIL_FIELDS = ("email", "host.contact_email")
# The model's messages, as a person filling in the form would put them.
PLAIN_WORDS = (
    ("Field required", "This is required"),
    ("String should have at least 1 character", "This is required"),
    ("must not be blank", "This is required"),
    ("List should have at least 1 item", "Write at least one"),
    ("Input should be 'police', 'staff' or 'academic'", "Choose one"),
    ("Input should be 'join' or 'cannot_join'", "Choose one"),
    ("Input should be a valid integer", "Enter a whole number"),
    ("Input should be a valid datetime", "Enter a date and a time"),
    ("Input should be greater than or equal to", "Must be at least"),
    ("Input should be less than or equal to", "Must be at most"),
    ("String should have at most", "Too long: at most"),
)


def field_errors(fields: dict[str, str]) -> dict[str, str]:
    """The model's field names → the form's (`questions[2]` is the third question box), each
    message in plain words."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        if name.startswith("questions[") and name.endswith("]"):
            out.setdefault(f"questions-{name[10:-1]}", _plain(name, message))
            out.setdefault("questions", "Check the question marked below")
        else:
            out.setdefault(name if name != "body" else "form", _plain(name, message))
    return out


def _plain(name: str, message: str) -> str:
    if name in EMAIL_FIELDS and ("pattern" in message or message.startswith("String should have at least")):
        return "Enter an email address, like name@police.uk"
    if name == "questions" and message.startswith("List should have at least 1 item"):
        return "Write at least one question"
    for said, meant in PLAIN_WORDS:
        if message.startswith(said):
            rest = message[len(said):]
            if meant.startswith(("Must be", "Too long")):
                return meant + rest.rstrip(".")
            return meant
    return message[:1].upper() + message[1:]


def application_label(application: Application) -> str:
    return f"{application.name} ({application.organisation})"
