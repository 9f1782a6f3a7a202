"""Intake: members apply to a visit (one application per email per visit), read, list and withdraw
applications; the receipt is the intake function's reaction to its own ApplicationSubmitted.

The application, its ApplicationSubmitted event and the visit's email guard are one transaction,
which also checks that the visit still takes applications: nothing is stored unless all of it is.
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

from shared import clock
from shared.adapters import table
from shared.auth import Caller
from shared.errors import Conflict, Forbidden, NotFound
from shared.models.application import GONE, Application, ApplicationIn
from shared.models.events import ApplicationSubmitted, ApplicationWithdrawn
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.services.applications import Actor
from shared.settings import settings

WITHDRAWABLE = ("submitted", "waitlisted", "offered", "confirmed")
# With no visit date yet, a receipt's withdraw link lasts this long after applications close.
UNDATED_WITHDRAW_WINDOW = timedelta(days=60)
CSV_COLUMNS = ("application_id", "visit_id", "submitted_at", "status", "organisation", "name", "email", "role",
               "job_title", "prep_call", "questions", "motivation", "accessibility_needs", "waitlist_position",
               "waitlist_reason", "offer_expires_at", "updated_at")
QUESTION_SEPARATOR = " | "


# --- applying ---------------------------------------------------------------------------------

def guard_key(visit_id: str, email: str) -> dict:
    """The item that lets one email apply to one visit only once."""
    return {"pk": f"VISIT#{visit_id}", "sk": f"EMAIL#{email.strip().lower()}"}


def retention_until(visit: Visit, now: datetime) -> int:
    """When personal data of this visit may go (epoch seconds, the table's TTL)."""
    after = max(filter(None, (visit.ends_at, visit.starts_at, now)))
    return int((after + timedelta(days=settings().retention_days)).timestamp())


def _check_open(visit: Visit, now: datetime) -> None:
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.status != "open" or now >= visit.applications_close_at:
        raise Conflict("applications to this visit are closed")


def submit(visit_id: str, body: ApplicationIn, caller: Caller) -> Application:
    """A member's application for one person to one visit; the organisation is the member's own."""
    if not caller.organisation:
        raise Forbidden("your account names no organisation, so you cannot apply; ask the programme team")
    visit = visits.find(visit_id)
    now = clock.now()
    _check_open(visit, now)
    application = Application(**body.model_dump(), application_id=uuid.uuid4().hex,
                              visit_id=visit_id, organisation=caller.organisation, status="submitted",
                              submitted_at=now, submitted_by=caller.email, updated_at=now)
    expires_at = retention_until(visit, now)
    item = {**applications.to_item(application), "submitted_by_name": caller.name, "expires_at": expires_at}
    guard = {**guard_key(visit_id, application.email), "application_id": application.application_id,
             "expires_at": expires_at}
    event = ApplicationSubmitted(visit_id=visit_id, application_id=application.application_id,
                                 organisation=application.organisation)
    try:
        table.transact([
            table.op_check(f"VISIT#{visit_id}", "VISIT", "#status = :open", values={":open": "open"},
                           names={"#status": "status"}),
            table.op_put(guard, condition="attribute_not_exists(pk)"),
            table.op_put(item, event=event, condition="attribute_not_exists(pk)"),
        ])
    except table.ConditionFailed as error:
        _check_open(visits.find(visit_id), clock.now())  # the visit closed or was cancelled meanwhile
        if table.get(**guard_key(visit_id, application.email)) is None:
            raise  # no condition of ours failed: not the caller's doing
        raise Conflict(f"{application.email} has already applied to this visit") from error
    return application


# --- reading ----------------------------------------------------------------------------------

def read(application_id: str, caller: Caller) -> Application:
    application = applications.find(application_id)
    applications.authorize(application, caller, action="read", coordinators=True, links=False)
    return application


def mine(caller: Caller) -> list[Application]:
    """Those the caller submitted or is the applicant of."""
    return applications.of_person(caller.email)


def of_visit(visit_id: str) -> list[Application]:
    visits.find(visit_id)  # 404 for an unknown visit
    return applications.of_visit(visit_id)


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

def withdraw(application_id: str, body: dict, actor: Actor) -> tuple[int, dict]:
    """submitted/waitlisted/offered/confirmed → withdrawn (ApplicationWithdrawn); again: 200, no new event."""
    application = applications.find(application_id)
    applications.authorize(application, actor, action="withdraw", coordinators=True)
    for _ in range(3):
        if application.status == "withdrawn":
            return 200, application.answer()
        if application.status not in WITHDRAWABLE:
            raise Conflict(f"an {application.status} application cannot be withdrawn")
        event = ApplicationWithdrawn(visit_id=application.visit_id, application_id=application_id,
                                     organisation=application.organisation, previous_status=application.status)
        try:
            return 200, applications.change(application, event, from_status=WITHDRAWABLE,
                                            status="withdrawn").answer()
        except Conflict:
            application = applications.find(application_id)  # changed meanwhile: look again
    raise Conflict("the application keeps changing; try again")


# --- the receipt ----------------------------------------------------------------------------------

def send_receipts(detail: dict) -> None:
    """ApplicationSubmitted → a receipt to the applicant and, if another person, to the member who applied."""
    item = table.get(**applications.key(detail["application_id"]))
    try:
        visit = visits.find(detail["visit_id"])
    except NotFound:
        return
    if item is None or visit.status == "cancelled":
        return
    application = Application.model_validate(item)
    if application.status in GONE:
        return  # withdrawn before the receipt went: nothing more for them
    recipients = [(application.email, application.name, None)]
    if application.submitted_by.lower() != application.email.lower():
        member_name = item.get("submitted_by_name") or application.submitted_by
        recipients.append((application.submitted_by, member_name, application.name))
    pending = [r for r in recipients if not outbound.already_sent(visit.visit_id, "receipt", application.application_id, r[0])]
    if not pending:
        return  # don't issue fresh links for receipts that went out already
    until = visit.starts_at or (visit.applications_close_at + UNDATED_WITHDRAW_WINDOW)
    withdraw_link = links.issue(application.application_id, "withdraw", until)
    for recipient, name, applicant in pending:
        email = outbound.compose(recipient, "receipt", name=name, visit=visit, applicant=applicant,
                                 links={"withdraw": withdraw_link})
        outbound.send_once(visit_id=visit.visit_id, kind="receipt", occasion=application.application_id,
                           recipient=recipient, due_at=application.submitted_at, email=email,
                           application_id=application.application_id)

