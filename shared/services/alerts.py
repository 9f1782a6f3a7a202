"""Alerts to the programme team's address: what needs a person's attention before it is too late.

Each is an `alert` on the visit's timeline (sent once per occasion through `outbound.send_once`):
an offer lapsed; a withdrawal left an organisation below its minimum; a visit closed with fewer
than half its places offered; a report would have been empty (and so none went to the host).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.allocation import organisation_key
from shared.models.application import HOLDING, Application
from shared.models.visit import Visit
from shared.services import applications, outbound
from shared.settings import settings

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

KIND = "alert"


def team_address() -> str:
    """The programme team's own inbox (where replies to every email go)."""
    return settings().programme_team.email


def _alert(stores: Stores, visit: Visit, what: str, occasion: str, **context) -> bool:
    to = team_address()
    key = f"{what}#{occasion}"
    if outbound.already_sent(stores, visit.visit_id, KIND, key, to):
        return False
    email = outbound.compose(to, "alert", name=settings().programme_team.name, visit=visit, what=what, **context)
    return outbound.send_once(stores, visit=visit, kind=KIND, occasion=key, recipient=to, email=email)


def _person(application: Application) -> dict:
    return {"name": application.name, "organisation": application.organisation}


def offer_lapsed(stores: Stores, visit: Visit, application: Application) -> bool:
    apps = applications.of_visit(stores, visit.visit_id)
    return _alert(stores, visit, "offer_lapsed", application.application_id, person=_person(application),
                  deadline=application.offer_expires_at, held=sum(1 for a in apps if a.status in HOLDING),
                  waiting=sum(1 for a in apps if a.status == "waitlisted"))


def below_minimum_after_withdrawal(stores: Stores, visit: Visit, application: Application) -> bool:
    """After the freed place was offered on (same organisation first), the organisation still holds
    some places but fewer than the visit's minimum."""
    mine = organisation_key(application.organisation)
    held = sum(1 for a in applications.of_visit(stores, visit.visit_id)
               if a.status in HOLDING and organisation_key(a.organisation) == mine)
    if held == 0 or held >= visit.min_per_organisation:
        return False
    return _alert(stores, visit, "below_minimum", application.application_id, person=_person(application),
                  organisation=application.organisation, held_by_organisation=held)


def underfilled(stores: Stores, visit: Visit, offered: int, applicants: int, waiting: int) -> bool:
    if offered * 2 >= visit.capacity:
        return False
    return _alert(stores, visit, "underfilled", "first_allocation", offered=offered, applicants=applicants,
                  waiting=waiting)


def empty_report(stores: Stores, visit: Visit, visitors: int, occasion: str) -> bool:
    return _alert(stores, visit, "empty_report", occasion, visitors=visitors)
