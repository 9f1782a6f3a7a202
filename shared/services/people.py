"""Personal data of one person: erasure (`DELETE /people/{email}`).

Every application the person is the applicant of loses its personal fields (the placeholders of
shared/domain/erasure.py); one that held or awaited a place is withdrawn by the same write (its
ApplicationWithdrawn frees the place for the waiting list, as any withdrawal does) if the visit
has not started. Their
one-per-email guards go, the records of emails sent to them name the placeholder instead, the
kept copies of those emails (for resending) are deleted, and
each visit's report that named them is published again without them: their learning points stay,
unattributed. Nothing is sent to an erased address (outbound.send_once).

Applications they submitted for others as a member keep their applicants' data; the member's own
name and address on them are replaced. Running it again finds nothing more to erase.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared import clock
from shared.domain import erasure
from shared.errors import Conflict, Invalid
from shared.models.application import EMAIL_PATTERN, HOLDING, Application
from shared.models.events import ApplicationErased, ApplicationWithdrawn
from shared.services import reports

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

WAITING = ("submitted", "waitlisted")
ATTEMPTS = 5


def erase(stores: Stores, email: str) -> int:
    """Erase the person with this address; the number of applications of theirs erased."""
    import re

    address = email.strip().lower()
    if not re.match(EMAIL_PATTERN, address):
        raise Invalid({"email": "not an email address"})
    erased: dict[str, list[str]] = {}
    for application in stores.applications.of_person(address):
        if application.email.lower() == address:
            _erase_applicant(stores, application)
            erased.setdefault(application.visit_id, []).append(application.application_id)
        if application.submitted_by.lower() == address:
            _erase_member(stores, application)
    for visit_id, application_ids in erased.items():
        for application_id in application_ids:
            stores.sent.readdress(visit_id, address, erasure.placeholder_email(application_id))
        stores.extras.forget_copies(visit_id, address)
        reports.forget(stores, visit_id, application_ids)
    return sum(len(ids) for ids in erased.values())


def _erase_applicant(stores: Stores, application: Application) -> None:
    for _ in range(ATTEMPTS):
        current = stores.applications.find(application.application_id) or application
        changes = {**erasure.erased_fields(current.application_id), "erased_at": clock.now()}
        ids = {"visit_id": current.visit_id, "application_id": current.application_id,
               "organisation": current.organisation}
        if _still_to_come(stores, current):
            event = ApplicationWithdrawn(**ids, previous_status=current.status)
            changes |= {"status": "withdrawn", "offer_expires_at": None, "waitlist_position": None}
        else:
            event = ApplicationErased(**ids)
        try:
            stores.applications.erase(current, event, **changes)
            return
        except Conflict:
            continue
    raise Conflict("the application keeps changing; try again")


def _still_to_come(stores: Stores, application: Application) -> bool:
    """An application that still awaits or holds a place on a visit not yet started: erasing it
    withdraws it (the place goes to the waiting list). After the visit, the record of who went
    stays (a confirmed visitor is still counted), only without their name."""
    if application.status in WAITING:
        return True
    if application.status not in HOLDING:
        return False
    visit = stores.visits.find(application.visit_id)
    return visit is None or visit.starts_at is None or clock.now() < visit.starts_at


def _erase_member(stores: Stores, application: Application) -> None:
    for _ in range(ATTEMPTS):
        current = stores.applications.find(application.application_id) or application
        try:
            stores.applications.change(current, None, submitted_by=erasure.placeholder_email(
                f"member-{current.application_id}"), submitted_by_name=erasure.ERASED)
            return
        except Conflict:
            continue
    raise Conflict("the application keeps changing; try again")
