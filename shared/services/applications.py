"""Reading and writing applications (items of the main table); who may act on one."""
from __future__ import annotations

from dataclasses import dataclass

from shared import clock
from shared.adapters import table
from shared.auth import Caller
from shared.errors import Conflict, Forbidden, NotFound
from shared.models.application import Application
from shared.models.events import DomainEvent


@dataclass(frozen=True)
class LinkActor:
    """A visitor acting through a single-purpose email link."""

    application_id: str
    action: str


Actor = Caller | LinkActor


def key(application_id: str) -> dict:
    return {"pk": f"APP#{application_id}", "sk": "APP"}


def to_item(application: Application) -> dict:
    stamp = clock.iso(application.submitted_at)
    return {
        **application.model_dump(mode="json"),
        **key(application.application_id),
        "gsi1pk": f"VISIT#{application.visit_id}#APPS", "gsi1sk": f"{stamp}#{application.application_id}",
        "gsi2pk": f"PERSON#{application.email.lower()}", "gsi2sk": stamp,
        "gsi3pk": f"PERSON#{application.submitted_by.lower()}", "gsi3sk": stamp,
    }


def find(application_id: str) -> Application:
    item = table.get(**key(application_id))
    if item is None:
        raise NotFound(f"no application {application_id}")
    return Application.model_validate(item)


def of_visit(visit_id: str) -> list[Application]:
    """Every application of a visit, oldest first."""
    return [Application.model_validate(i) for i in table.query(f"VISIT#{visit_id}#APPS", index="gsi1")]


def of_person(email: str) -> list[Application]:
    """Applications someone submitted or is the applicant of, oldest first."""
    found = {a["application_id"]: a for index in ("gsi2", "gsi3")
             for a in table.query(f"PERSON#{email.lower()}", index=index)}
    return sorted((Application.model_validate(i) for i in found.values()),
                  key=lambda a: (a.submitted_at, a.application_id))


def places_held(visit_id: str) -> int:
    return sum(1 for a in of_visit(visit_id) if a.holds_place)


def change(application: Application, event: DomainEvent | None, *, from_status: tuple[str, ...] | None = None,
           **changes) -> Application:
    """Write new field values if the application is unchanged since read (and in `from_status`)."""
    changes = {**changes, "updated_at": clock.now(), "version": application.version + 1}
    updated = application.model_copy(update=changes)
    values = {":version": application.version}
    condition = "version = :version"
    if from_status:
        names = [f":s{i}" for i in range(len(from_status))]
        condition += f" AND #status IN ({', '.join(names)})"
        values |= dict(zip(names, from_status))
    stored = {k: v for k, v in to_item(updated).items() if k not in ("pk", "sk")}
    try:
        table.update(f"APP#{application.application_id}", "APP", stored, event=event, condition=condition,
                     values=values, names={"#status": "status"} if from_status else None)
    except table.ConditionFailed as error:
        raise Conflict("the application changed meanwhile; try again") from error
    return updated


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
