"""Calendar events sent to holders: one event per visitor for the visit and one for its call.

Each keeps the same UID for its whole life (docs/DESIGN.md, "Calendar"); SEQUENCE is the date's
(or the call's) version, a cancellation one higher, so every update replaces the entry held.
"""
from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.adapters.mailer import Attachment
from shared.domain.calendar import calendar_event
from shared.models.application import Application
from shared.models.visit import Visit
from shared.settings import settings

CALL_LENGTH = timedelta(hours=1)


def visit_uid(visit_id: str, application_id: str) -> str:
    return f"visit-{visit_id}-{application_id}@peer-learning-visits"


def call_uid(visit_id: str, application_id: str) -> str:
    return f"call-{visit_id}-{application_id}@peer-learning-visits"


def visit_invitation(visit: Visit, application: Application, *, method: str = "REQUEST",
                     sequence: int | None = None) -> Attachment | None:
    """The visit's .ics for one holder (None while the date is to be confirmed)."""
    if visit.starts_at is None or visit.ends_at is None:
        return None
    ics = calendar_event(uid=visit_uid(visit.visit_id, application.application_id),
                         sequence=visit.date_version if sequence is None else sequence, method=method,
                         summary=f"Peer learning visit: {visit.title}",
                         description=f"Peer learning visit: {visit.theme}\nHost: {visit.host.organisation}",
                         location=visit.venue, starts_at=visit.starts_at, ends_at=visit.ends_at,
                         organizer_email=settings().mail_from, attendee_email=application.email, stamp=clock.now())
    return Attachment("visit.ics", f"text/calendar; method={method}", ics)


def call_invitation(visit: Visit, application: Application, *, method: str = "REQUEST",
                    sequence: int | None = None) -> Attachment | None:
    """The preparation call's .ics for one visitor (None while the call is not set)."""
    if visit.prep_call_at is None:
        return None
    dial_in = visit.prep_call_dial_in or "the dial-in will follow"
    ics = calendar_event(uid=call_uid(visit.visit_id, application.application_id),
                         sequence=visit.call_version if sequence is None else sequence, method=method,
                         summary=f"Preparation call: {visit.title}",
                         description=f"Preparation call for the peer learning visit: {visit.theme}\nDial-in: {dial_in}",
                         location=visit.prep_call_dial_in or "Telephone conference",
                         starts_at=visit.prep_call_at, ends_at=visit.prep_call_at + CALL_LENGTH,
                         organizer_email=settings().mail_from, attendee_email=application.email, stamp=clock.now())
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
                         organizer_email=settings().mail_from, attendee_email=visit.host.contact_email,
                         stamp=clock.now())
    return Attachment("visit.ics", f"text/calendar; method={method}", ics)
