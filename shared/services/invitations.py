"""Calendar events sent to holders: one event per visitor for the visit and one for its call.

Each keeps the same UID for its whole life (docs/DESIGN.md, "Calendar"), and each new version
of it has a higher SEQUENCE, so every update replaces the entry held:

- the visit's: `3 × date version`, + 1 once the place is confirmed (TENTATIVE → CONFIRMED is an
  update of the same event), + 2 for its cancellation (above anything sent at that date, below
  anything sent at the next);
- the call's: `2 × (call version + the times the visitor changed their answer about joining)`,
  + 1 for its cancellation (a visitor who says they cannot join gets its CANCEL; one who says
  they can again, a new REQUEST above it).
"""
from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.domain.calendar import calendar_event
from shared.models.application import Application
from shared.models.email import Attachment
from shared.models.visit import Visit
from shared.settings import settings

CALL_LENGTH = timedelta(hours=1)


def visit_uid(visit_id: str, application_id: str) -> str:
    return f"visit-{visit_id}-{application_id}@peer-learning-visits"


def call_uid(visit_id: str, application_id: str) -> str:
    return f"call-{visit_id}-{application_id}@peer-learning-visits"


def visit_sequence(visit: Visit, application: Application, method: str = "REQUEST") -> int:
    base = 3 * visit.date_version
    return base + 2 if method == "CANCEL" else base + int(application.status == "confirmed")


def call_sequence(visit: Visit, application: Application, method: str = "REQUEST") -> int:
    return 2 * (visit.call_version + application.call_changes) + int(method == "CANCEL")


def visit_invitation(visit: Visit, application: Application, *, method: str = "REQUEST") -> Attachment | None:
    """The visit's .ics for one holder (None while the date is to be confirmed); TENTATIVE until confirmed."""
    if visit.starts_at is None or visit.ends_at is None:
        return None
    team = settings().programme_team
    ics = calendar_event(uid=visit_uid(visit.visit_id, application.application_id),
                         sequence=visit_sequence(visit, application, method), method=method,
                         status="CONFIRMED" if application.status == "confirmed" else "TENTATIVE",
                         summary=f"Peer learning visit: {visit.title}",
                         description=_visit_description(visit, application),
                         location=visit.venue, starts_at=visit.starts_at, ends_at=visit.ends_at,
                         organizer_email=team.email, organizer_name=team.name, attendee_email=application.email,
                         stamp=clock.now())
    return Attachment("visit.ics", f"text/calendar; method={method}", ics)


def call_invitation(visit: Visit, application: Application, *, method: str = "REQUEST") -> Attachment | None:
    """The preparation call's .ics for one visitor (None while the call is not set)."""
    if visit.prep_call_at is None:
        return None
    dial_in = visit.prep_call_dial_in or "the dial-in will follow"
    team = settings().programme_team
    ics = calendar_event(uid=call_uid(visit.visit_id, application.application_id),
                         sequence=call_sequence(visit, application, method), method=method,
                         summary=f"Preparation call: {visit.title}",
                         description=f"Preparation call for the peer learning visit: {visit.theme}\nDial-in: {dial_in}",
                         location=visit.prep_call_dial_in or "Telephone conference",
                         starts_at=visit.prep_call_at, ends_at=visit.prep_call_at + CALL_LENGTH,
                         organizer_email=team.email, organizer_name=team.name, attendee_email=application.email,
                         stamp=clock.now())
    return Attachment("prep-call.ics", f"text/calendar; method={method}", ics)


def host_uid(visit_id: str) -> str:
    return f"host-{visit_id}@peer-learning-visits"


def host_invitation(visit: Visit, *, method: str = "REQUEST", sequence: int | None = None) -> Attachment | None:
    """The visit's .ics for its host contact (one event per visit; None while the date is to be confirmed)."""
    if visit.starts_at is None or visit.ends_at is None:
        return None
    ics = calendar_event(uid=host_uid(visit.visit_id),
                         sequence=visit.date_version if sequence is None else sequence, method=method,
                         summary=f"Hosting the peer learning visit: {visit.title}",
                         description=f"Peer learning visit: {visit.theme}\nHosted by {visit.host.organisation}",
                         location=visit.venue, starts_at=visit.starts_at, ends_at=visit.ends_at,
                         organizer_email=settings().programme_team.email,
                         organizer_name=settings().programme_team.name, attendee_email=visit.host.contact_email,
                         stamp=clock.now())
    return Attachment("visit.ics", f"text/calendar; method={method}", ics)


def _visit_description(visit: Visit, application: Application) -> str:
    lines = [f"Peer learning visit: {visit.theme}", f"Host: {visit.host.organisation}"]
    if application.status == "offered":
        # The calendar's own buttons confirm nothing: say so where the entry is read.
        lines.append("Your place is offered, not yet confirmed: please confirm it with the link in our email.")
    return "\n".join(lines)
