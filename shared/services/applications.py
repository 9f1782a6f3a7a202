"""Reading and changing applications (through their store); who may act on one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.auth import Caller
from shared.errors import Forbidden, NotFound
from shared.models.application import Application
from shared.models.events import DomainEvent

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


@dataclass(frozen=True)
class LinkActor:
    """A visitor acting through a single-purpose email link."""

    application_id: str
    action: str


Actor = Caller | LinkActor


def find(stores: Stores, application_id: str) -> Application:
    application = stores.applications.find(application_id)
    if application is None:
        raise NotFound(f"no application {application_id}")
    return application


def of_visit(stores: Stores, visit_id: str) -> list[Application]:
    """Every application of a visit, oldest first."""
    return stores.applications.of_visit(visit_id)


def of_person(stores: Stores, email: str) -> list[Application]:
    """Applications someone submitted or is the applicant of, oldest first."""
    return stores.applications.of_person(email)


def places_held(stores: Stores, visit_id: str) -> int:
    return sum(1 for a in of_visit(stores, visit_id) if a.holds_place)


def change(stores: Stores, application: Application, event: DomainEvent | None, *,
           from_status: tuple[str, ...] | None = None, **changes) -> Application:
    """Write new field values if the application is unchanged since read (and in `from_status`); else Conflict."""
    return stores.applications.change(application, event, from_status=from_status, **changes)


def authorize(application: Application, actor: Actor, *, action: str, members: bool = True,
              applicant: bool = True, coordinators: bool = False, links: bool = True) -> None:
    """Raise unless `actor` may do `action` on the application (contract's "who" column)."""
    if isinstance(actor, LinkActor):
        if links and actor.application_id == application.application_id and actor.action == action:
            return
        raise Forbidden("this link is not for that")
    if coordinators and actor.is_coordinator:
        return
    if members and actor.email == application.submitted_by.lower():
        return
    if applicant and actor.email == application.email.lower():
        return
    raise Forbidden("you may not act on this application")
