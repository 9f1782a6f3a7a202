"""Intake: members apply to a visit (one application per email per visit), read, list and withdraw
applications; the receipt is the intake function's reaction to its own ApplicationSubmitted.

The application, its ApplicationSubmitted event and the visit's email guard are one transaction,
which also checks that the visit still takes applications: nothing is stored unless all of it is.
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from shared import clock
from shared.auth import Caller
from shared.errors import Conflict, Forbidden, NotFound
from shared.models.application import GONE, Application, ApplicationIn
from shared.models.events import ApplicationSubmitted, ApplicationWithdrawn
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.services.applications import Actor, LinkActor

if TYPE_CHECKING:
    from shared.store import Stores
    from shared.store.answers import Remember

WITHDRAWABLE = ("submitted", "waitlisted", "offered", "confirmed")
CSV_COLUMNS = ("application_id", "visit_id", "submitted_at", "status", "organisation", "name", "email", "role",
               "job_title", "prep_call", "questions", "motivation", "accessibility_needs", "share_accessibility_needs",
               "waitlist_position", "waitlist_reason", "offer_expires_at", "attended", "substitute_for",
               "substituted_by", "updated_at")
QUESTION_SEPARATOR = " | "


# --- applying ---------------------------------------------------------------------------------

def _check_open(visit: Visit, now: datetime) -> None:
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.status != "open" or now >= visit.applications_close_at:
        raise Conflict("applications to this visit are closed")


def submit(stores: Stores, visit_id: str, body: ApplicationIn, caller: Caller,
           remember: Remember | None = None) -> Application:
    """A member's application for one person to one visit; the organisation is the member's own.
    `remember`: its answer, remembered with it for an Idempotency-Key (shared/store/answers.py)."""
    if not caller.organisation:
        raise Forbidden("your account names no organisation, so you cannot apply; ask the programme team")
    visit = visits.find(stores, visit_id)
    now = clock.now()
    _check_open(visit, now)
    application = Application(**body.model_dump(), application_id=uuid.uuid4().hex,
                              visit_id=visit_id, organisation=caller.organisation, status="submitted",
                              submitted_at=now, submitted_by=caller.email, submitted_by_name=caller.name,
                              updated_at=now)
    event = ApplicationSubmitted(visit_id=visit_id, application_id=application.application_id,
                                 organisation=application.organisation)
    try:
        stores.applications.submit(application, visit, event, remember)
    except Conflict:
        # The visit closed or was cancelled meanwhile: say which.
        _check_open(visits.find(stores, visit_id), clock.now())
        raise  # the email has applied already
    return application


# --- reading ----------------------------------------------------------------------------------

def read(stores: Stores, application_id: str, caller: Caller) -> Application:
    application = applications.find(stores, application_id)
    applications.authorize(application, caller, action="read", coordinators=True, links=False)
    return application


def mine(stores: Stores, caller: Caller) -> list[Application]:
    """Those the caller submitted or is the applicant of."""
    return applications.of_person(stores, caller.email)


def of_visit(stores: Stores, visit_id: str) -> list[Application]:
    visits.find(stores, visit_id)  # 404 for an unknown visit
    return applications.of_visit(stores, visit_id)


def as_csv(found: list[Application]) -> str:
    """A header row and one row per application; questions joined with " | "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for application in found:
        answer = application.answer()
        answer["questions"] = QUESTION_SEPARATOR.join(application.questions)
        writer.writerow([_cell(answer.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run an applicant's text starting like a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- withdrawing --------------------------------------------------------------------------------

def withdraw(stores: Stores, application_id: str, actor: Actor) -> Application:
    """submitted/waitlisted/offered/confirmed → withdrawn (ApplicationWithdrawn); again: no new event."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="withdraw", coordinators=True)
    for _ in range(3):
        if application.status == "withdrawn":
            return application
        if application.status not in WITHDRAWABLE:
            raise Conflict(f"an {application.status} application cannot be withdrawn")
        event = ApplicationWithdrawn(visit_id=application.visit_id, application_id=application_id,
                                     organisation=application.organisation, previous_status=application.status,
                                     withdrawn_by=_withdrawn_by(application, actor))
        try:
            return stores.applications.withdraw(application, event, WITHDRAWABLE)
        except Conflict:
            application = applications.find(stores, application_id)  # changed meanwhile: look again
    raise Conflict("the application keeps changing; try again")


def _withdrawn_by(application: Application, actor: Actor) -> str:
    """A coordinator acting on someone else's application is told apart (the email must not thank them)."""
    if isinstance(actor, LinkActor) or not actor.is_coordinator:
        return "visitor"
    own = actor.email in (application.email.lower(), application.submitted_by.lower())
    return "visitor" if own else "coordinator"


# --- the receipt ----------------------------------------------------------------------------------

def on_submitted(stores: Stores, detail: ApplicationSubmitted) -> None:
    """ApplicationSubmitted → a receipt to the applicant and, if another person, to the member who applied."""
    application = stores.applications.find(detail.application_id)
    try:
        visit = visits.find(stores, detail.visit_id)
    except NotFound:
        return
    if application is None or visit.status == "cancelled":
        return
    if application.status in GONE:
        return  # withdrawn before the receipt went: nothing more for them
    recipients = [(application.email, application.name, None)]
    if application.submitted_by.lower() != application.email.lower():
        member_name = application.submitted_by_name or application.submitted_by
        recipients.append((application.submitted_by, member_name, application.name))
    pending = [r for r in recipients if not outbound.already_sent(stores, visit.visit_id, "receipt",
                                                                  application.application_id, r[0])]
    if not pending:
        return  # don't issue fresh links for receipts that went out already
    withdraw_link = links.issue(stores, application.application_id, "withdraw", visit)
    for recipient, name, applicant in pending:
        email = outbound.compose(recipient, "receipt", name=name, visit=visit, applicant=applicant,
                                 links={"withdraw": withdraw_link})
        outbound.send_once(stores, visit=visit, kind="receipt", occasion=application.application_id,
                           recipient=recipient, due_at=application.submitted_at, email=email,
                           application_id=application.application_id)

