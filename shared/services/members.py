"""The member who applied for a colleague: told of each outcome of that application.

The contract: "The submitting member is told of each outcome of an application they submitted
(offer, waiting list, lapse)". A member who applied for themselves already reads the applicant's
own email, so only a member applying for someone else gets these. Their emails carry no links and
no calendar events: those are the applicant's.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.models.application import Application
from shared.models.visit import Visit
from shared.services import outbound

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


def member_of(application: Application) -> tuple[str, str] | None:
    """(address, name) of the member who applied for someone else; None when they applied for themselves."""
    if application.submitted_by.lower() == application.email.lower():
        return None
    return application.submitted_by, application.submitted_by_name or application.submitted_by


def member_occasion(occasion: str, application: Application) -> str:
    """One member may apply for several colleagues: their copy's occasion names the application."""
    return occasion if application.application_id in occasion else f"{occasion}#{application.application_id}"


def tell_member(stores: Stores, visit: Visit, application: Application, template: str, *, kind: str, occasion: str,
                due_at: datetime | None = None, **context) -> bool:
    """Send the member's version of `template` (the applicant's name as `applicant`), once; True if sent now."""
    member = member_of(application)
    if member is None:
        return False
    address, name = member
    occasion = member_occasion(occasion, application)
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, address):
        return False
    email = outbound.compose(address, template, name=name, visit=visit, applicant=application.name, **context)
    return outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=address,
                              email=email, due_at=due_at, application_id=application.application_id)
