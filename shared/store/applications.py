"""Applications, and the guard that lets one email apply to one visit only once.

Items:
- application: pk `APP#{aid}`, sk `APP`; gsi1 `VISIT#{vid}#APPS` / `{submitted_at}#{aid}` (a visit's,
  oldest first), gsi2 `PERSON#{applicant email}` and gsi3 `PERSON#{submitting member}` (someone's);
- guard: pk `VISIT#{vid}`, sk `EMAIL#{email}` (emails lower-cased).
Both are personal data, kept as the retention rule says from the visit's dates.

`submit` is one named transaction: the application with its ApplicationSubmitted, its guard,
and a check that the visit still takes applications; nothing is stored unless all of it is.
Every later change is conditional on the version read (and, if asked, on the status).
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Iterable, Protocol

from shared import clock
from shared.adapters import table
from shared.domain.retention import Dated, as_ttl, keep_until
from shared.errors import Conflict
from shared.models.application import Application
from shared.models.events import DomainEvent
from shared.models.visit import Visit
from shared.store import visits as visit_items
from shared.store.memory import Memory

if TYPE_CHECKING:
    from shared.store.answers import Remember

CHANGED = "the application changed meanwhile; try again"


class AlreadyApplied(Conflict):
    """The email has applied to this visit already."""


class VisitNotOpen(Conflict):
    """The visit does not take applications (closed, allocated or cancelled meanwhile)."""


class ApplicationStore(Protocol):
    def submit(self, application: Application, visit: Dated, event: DomainEvent,
               remember: Remember | None = None) -> None:
        """The application, its event and its one-per-email guard, if the visit is still open: all or nothing.
        AlreadyApplied or VisitNotOpen (both Conflict) otherwise. `remember`: the application's answer is
        remembered with it for an Idempotency-Key (shared/store/answers.py; DynamoDB only, as only the
        DynamoDB stores serve requests)."""
    def find(self, application_id: str) -> Application | None: ...
    def find_many(self, application_ids: Iterable[str]) -> list[Application]:
        """Consistent reads (an index may lag a change just made); unknown ids are left out."""
    def of_visit(self, visit_id: str) -> list[Application]:
        """A visit's applications, oldest first."""
    def of_person(self, email: str) -> list[Application]:
        """Those someone is the applicant of or submitted, oldest first."""
    def change(self, application: Application, event: DomainEvent | None, *,
               from_status: tuple[str, ...] | None = None, **changes) -> Application:
        """Write new values (and the event) if the application is unchanged since read at its version
        (and its status is one of `from_status`); the application as stored. Conflict otherwise."""
    def change_each(self, changes: list[Offer], from_status: tuple[str, ...]) -> list[Application | None]:
        """`change` each (with its event), in as few writes as the store allows: each written only if its
        application is unchanged since read and in `from_status`, whatever becomes of the others. Per change,
        the application as stored, or None where it had changed (and nothing of it was written)."""
    def withdraw(self, application: Application, event: DomainEvent, from_status: tuple[str, ...]) -> Application:
        """`change` to withdrawn, and the one-per-email guard released with it (if still this application's),
        so the person may apply again: an application made in error, say by another organisation, is undone."""
    def offer_all(self, visit: Visit, offers: list[Offer], from_status: tuple[str, ...]) -> list[Application]:
        """Write every change (each with its event), all or nothing, only if each application is unchanged
        since read (and in `from_status`) and the visit too; the visit's version moves on with them, so
        whoever read the visit before (a capacity change counting places held) must read again. Moved
        (a Conflict) otherwise. The applications as stored."""
    def erase(self, application: Application, event: DomainEvent, **changes) -> Application:
        """The applicant's personal fields replaced (`changes`: shared/domain/erasure.py), and their
        one-per-email guard gone (its key holds the address); Conflict if it changed since read."""
    def substitute(self, old: Application, new: Application, visit: Dated, old_event: DomainEvent,
                   new_event: DomainEvent) -> Application:
        """All or nothing: `old` becomes substituted (unchanged since read, still holding its status), `new`
        is stored with its one-per-email guard, and the visit is not cancelled. AlreadyApplied, or Conflict."""


class Moved(Conflict):
    """Something read before a change (an application, the visit) changed before it was written."""


# One change of `offer_all` or `change_each`: the application as read, its event, the new values.
Offer = tuple[Application, DomainEvent, dict]


def key(application_id: str) -> dict:
    return {"pk": f"APP#{application_id}", "sk": "APP"}


def guard_key(visit_id: str, email: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": f"EMAIL#{email.strip().lower()}"}


def _indexes(application: Application) -> dict:
    stamp = clock.iso(application.submitted_at)
    return {"gsi1pk": f"VISIT#{application.visit_id}#APPS", "gsi1sk": f"{stamp}#{application.application_id}",
            "gsi2pk": f"PERSON#{application.email.lower()}", "gsi2sk": stamp,
            "gsi3pk": f"PERSON#{application.submitted_by.lower()}", "gsi3sk": stamp}


def to_item(application: Application) -> dict:
    return {**application.model_dump(mode="json"), **key(application.application_id), **_indexes(application)}


def _changed(application: Application, changes: dict) -> Application:
    return application.model_copy(update={**changes, "updated_at": clock.now(), "version": application.version + 1})


def _written(application: Application, changed: Application) -> dict:
    """The attributes an update of `application` to `changed` sets: those whose value differs.

    Every such update is conditional on the version read, so the stored item is `application`'s
    and setting its other thirty-odd attributes again would write what is there already (the
    version and `updated_at` always differ). A waiting list's positions rewritten after a
    promotion, or an offer, so carry a handful of attributes each rather than the whole item."""
    before = to_item(application)
    return {k: v for k, v in to_item(changed).items() if k not in ("pk", "sk") and (k not in before or before[k] != v)}


def _each_alone(store: ApplicationStore, changes: list[Offer],
               from_status: tuple[str, ...]) -> list[Application | None]:
    """`change_each` one change at a time: None for each that met a Conflict."""
    stored: list[Application | None] = []
    for application, event, values in changes:
        try:
            stored.append(store.change(application, event, from_status=from_status, **values))
        except Conflict:
            stored.append(None)
    return stored


def _oldest_first(found: Iterable[Application]) -> list[Application]:
    return sorted(found, key=lambda a: (a.submitted_at, a.application_id))


class DynamoApplications:
    def __init__(self, retention: timedelta):
        self._retention = retention

    def submit(self, application: Application, visit: Dated, event: DomainEvent,
               remember: Remember | None = None) -> None:
        expires_at = as_ttl(keep_until(visit, application.submitted_at, self._retention))
        guard = {**guard_key(application.visit_id, application.email),
                 "application_id": application.application_id, "expires_at": expires_at}
        try:
            table.transact([
                table.op_check(**visit_items.key(application.visit_id), condition="#status = :open",
                               values={":open": "open"}, names={"#status": "status"}),
                table.op_put(guard, condition="attribute_not_exists(pk)"),
                table.op_put({**to_item(application), "expires_at": expires_at}, event=event,
                             condition="attribute_not_exists(pk)"),
                *([remember.operation(application.answer())] if remember else []),
            ])
        except table.ConditionFailed as error:
            if table.get(**guard_key(application.visit_id, application.email)) is not None:
                raise AlreadyApplied(f"{application.email} has already applied to this visit") from error
            raise VisitNotOpen("applications to this visit are closed") from error

    def find(self, application_id: str) -> Application | None:
        item = table.get(**key(application_id))
        return Application.model_validate(item) if item else None

    def find_many(self, application_ids: Iterable[str]) -> list[Application]:
        return [Application.model_validate(i) for i in table.get_many(key(a) for a in application_ids)]

    def of_visit(self, visit_id: str) -> list[Application]:
        return [Application.model_validate(i) for i in table.query(f"VISIT#{visit_id}#APPS", index="gsi1")]

    def of_person(self, email: str) -> list[Application]:
        found = {i["application_id"]: i for index in ("gsi2", "gsi3")
                 for i in table.query(f"PERSON#{email.lower()}", index=index)}
        return _oldest_first(Application.model_validate(i) for i in found.values())

    def change(self, application: Application, event: DomainEvent | None, *,
               from_status: tuple[str, ...] | None = None, **changes) -> Application:
        updated = _changed(application, changes)
        values = {":version": application.version}
        condition = "version = :version"
        if from_status:
            names = [f":s{i}" for i in range(len(from_status))]
            condition += f" AND #status IN ({', '.join(names)})"
            values |= dict(zip(names, from_status))
        try:
            table.update(**key(application.application_id), changes=_written(application, updated), event=event,
                         condition=condition, values=values, names={"#status": "status"} if from_status else None)
        except table.ConditionFailed as error:
            raise Conflict(CHANGED) from error
        return updated

    def change_each(self, changes: list[Offer], from_status: tuple[str, ...]) -> list[Application | None]:
        # A transaction per chunk when every condition holds (the usual case: one call for up to 100);
        # a chunk in which one changed meanwhile is written one by one, so the others still are.
        statuses = {f":s{i}": status for i, status in enumerate(from_status)}
        stored: list[Application | None] = []
        for start in range(0, len(changes), table.TRANSACTION_ITEMS):
            chunk = changes[start:start + table.TRANSACTION_ITEMS]
            updated = [_changed(application, values) for application, _, values in chunk]
            try:
                table.transact([table.op_update(
                    **key(application.application_id), event=event, changes=_written(application, changed),
                    condition=f"version = :version AND #status IN ({', '.join(statuses)})",
                    values={":version": application.version, **statuses}, names={"#status": "status"})
                    for (application, event, _), changed in zip(chunk, updated)])
                stored.extend(updated)
            except table.ConditionFailed:
                stored.extend(_each_alone(self, chunk, from_status))
        return stored

    def withdraw(self, application: Application, event: DomainEvent, from_status: tuple[str, ...]) -> Application:
        updated = _changed(application, {"status": "withdrawn"})
        statuses = {f":s{i}": status for i, status in enumerate(from_status)}
        try:
            table.transact([
                table.op_update(**key(application.application_id), event=event,
                                changes=_written(application, updated),
                                condition=f"version = :version AND #status IN ({', '.join(statuses)})",
                                values={":version": application.version, **statuses}, names={"#status": "status"}),
                table.op_delete(**guard_key(application.visit_id, application.email),
                                condition="attribute_not_exists(pk) OR application_id = :mine",
                                values={":mine": application.application_id}),
            ])
        except table.ConditionFailed as error:
            raise Conflict(CHANGED) from error
        return updated

    def offer_all(self, visit: Visit, offers: list[Offer], from_status: tuple[str, ...]) -> list[Application]:
        operations = [table.op_update(**visit_items.key(visit.visit_id), changes={"version": visit.version + 1},
                                      condition="version = :read", values={":read": visit.version})]
        updated = []
        statuses = {f":s{i}": status for i, status in enumerate(from_status)}
        for application, event, changes in offers:
            changed = _changed(application, changes)
            updated.append(changed)
            operations.append(table.op_update(
                **key(application.application_id), event=event, changes=_written(application, changed),
                condition=f"version = :version AND #status IN ({', '.join(statuses)})",
                values={":version": application.version, **statuses}, names={"#status": "status"}))
        try:
            table.transact(operations)
        except table.ConditionFailed as error:
            raise Moved(CHANGED) from error
        return updated


    def erase(self, application: Application, event: DomainEvent, **changes) -> Application:
        # The guard first: should the second write fail, the erasure is run again and finds the
        # application by its address still; the other way round would leave the address behind.
        table.delete(**guard_key(application.visit_id, application.email), must_exist=False)
        return self.change(application, event, **changes)
    def substitute(self, old: Application, new: Application, visit: Dated, old_event: DomainEvent,
                   new_event: DomainEvent) -> Application:
        expires_at = as_ttl(keep_until(visit, new.submitted_at, self._retention))
        gone = _changed(old, {"status": "substituted", "substituted_by": new.application_id})
        current = table.get(**key(old.application_id)) or {}
        guard = {**guard_key(new.visit_id, new.email), "application_id": new.application_id, "expires_at": expires_at}
        try:
            table.transact([
                table.op_check(**visit_items.key(new.visit_id), condition="#status <> :cancelled",
                               values={":cancelled": "cancelled"}, names={"#status": "status"}),
                table.op_put(guard, condition="attribute_not_exists(pk)"),
                table.op_put({**to_item(new), "expires_at": expires_at}, event=new_event,
                             condition="attribute_not_exists(pk)"),
                table.op_put({**current, **to_item(gone)}, event=old_event,
                             condition="version = :version AND #status = :status",
                             values={":version": old.version, ":status": old.status}, names={"#status": "status"}),
            ])
        except table.ConditionFailed as error:
            if table.get(**guard_key(new.visit_id, new.email)) is not None:
                raise AlreadyApplied(f"{new.email} has already applied to this visit") from error
            raise Conflict("the application or the visit changed meanwhile; try again") from error
        return gone


class MemoryApplications:
    def __init__(self, memory: Memory, retention: timedelta):
        self._memory, self._retention = memory, retention
        self._items, self._guards = memory.items["applications"], memory.items["email_guards"]

    def submit(self, application: Application, visit: Dated, event: DomainEvent,
               remember: Remember | None = None) -> None:
        guard = (application.visit_id, application.email.strip().lower())
        with self._memory.lock:
            stored_visit = self._memory.items["visits"].get(application.visit_id)
            if guard in self._guards:
                raise AlreadyApplied(f"{application.email} has already applied to this visit")
            if stored_visit is None or stored_visit["status"] != "open" or application.application_id in self._items:
                raise VisitNotOpen("applications to this visit are closed")
            expires_at = keep_until(visit, application.submitted_at, self._retention)
            self._guards[guard] = {"application_id": application.application_id, "keep_until": expires_at}
            self._items[application.application_id] = {**to_item(application), "expires_at": as_ttl(expires_at)}
            self._memory.publish(event)

    def find(self, application_id: str) -> Application | None:
        item = self._items.get(application_id)
        return Application.model_validate(item) if item else None

    def find_many(self, application_ids: Iterable[str]) -> list[Application]:
        return [a for a in map(self.find, dict.fromkeys(application_ids)) if a is not None]

    def _where(self, wanted) -> list[Application]:
        with self._memory.lock:
            items = [i for i in self._items.values() if wanted(i)]
        return _oldest_first(Application.model_validate(i) for i in items)

    def of_visit(self, visit_id: str) -> list[Application]:
        return self._where(lambda i: i["visit_id"] == visit_id)

    def of_person(self, email: str) -> list[Application]:
        person = f"PERSON#{email.lower()}"
        return self._where(lambda i: person in (i["gsi2pk"], i["gsi3pk"]))

    def change(self, application: Application, event: DomainEvent | None, *,
               from_status: tuple[str, ...] | None = None, **changes) -> Application:
        updated = _changed(application, changes)
        with self._memory.lock:
            current = self._items.get(application.application_id)
            if current is None or current["version"] != application.version or (
                    from_status and current["status"] not in from_status):
                raise Conflict(CHANGED)
            self._items[application.application_id] = {**current, **to_item(updated)}
            self._memory.publish(event)
        return updated

    def change_each(self, changes: list[Offer], from_status: tuple[str, ...]) -> list[Application | None]:
        return _each_alone(self, changes, from_status)

    def withdraw(self, application: Application, event: DomainEvent, from_status: tuple[str, ...]) -> Application:
        with self._memory.lock:
            updated = self.change(application, event, from_status=from_status, status="withdrawn")
            guard = (application.visit_id, application.email.strip().lower())
            if self._guards.get(guard, {}).get("application_id") == application.application_id:
                del self._guards[guard]
        return updated

    def offer_all(self, visit: Visit, offers: list[Offer], from_status: tuple[str, ...]) -> list[Application]:
        updated = [_changed(application, changes) for application, _, changes in offers]
        with self._memory.lock:
            stored_visit = self._memory.items["visits"].get(visit.visit_id)
            if stored_visit is None or stored_visit["version"] != visit.version:
                raise Moved(CHANGED)
            for application, _, _ in offers:
                current = self._items.get(application.application_id)
                if current is None or current["version"] != application.version or current["status"] not in from_status:
                    raise Moved(CHANGED)
            stored_visit["version"] = visit.version + 1
            for (application, event, _), changed in zip(offers, updated):
                self._items[application.application_id] = {**self._items[application.application_id],
                                                           **to_item(changed)}
                self._memory.publish(event)
        return updated

    def erase(self, application: Application, event: DomainEvent, **changes) -> Application:
        with self._memory.lock:
            self._guards.pop((application.visit_id, application.email.strip().lower()), None)
        return self.change(application, event, **changes)
    def substitute(self, old: Application, new: Application, visit: Dated, old_event: DomainEvent,
                   new_event: DomainEvent) -> Application:
        guard = (new.visit_id, new.email.strip().lower())
        gone = _changed(old, {"status": "substituted", "substituted_by": new.application_id})
        with self._memory.lock:
            stored_visit = self._memory.items["visits"].get(new.visit_id)
            current = self._items.get(old.application_id)
            if guard in self._guards:
                raise AlreadyApplied(f"{new.email} has already applied to this visit")
            if stored_visit is None or stored_visit["status"] == "cancelled" or current is None \
                    or current["version"] != old.version or current["status"] != old.status:
                raise Conflict("the application or the visit changed meanwhile; try again")
            expires_at = keep_until(visit, new.submitted_at, self._retention)
            self._guards[guard] = {"application_id": new.application_id, "keep_until": expires_at}
            self._items[new.application_id] = {**to_item(new), "expires_at": as_ttl(expires_at)}
            self._items[old.application_id] = {**current, **to_item(gone)}
            self._memory.publish(new_event)
            self._memory.publish(old_event)
        return gone
