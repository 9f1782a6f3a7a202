"""Background material: coordinators upload files for a visit; visitors not joining the preparation
call receive them, attached, with the timed `background_material` email (24 h before the call).

Each file is stored in the bucket under `visits/{vid}/background/{filename}` and registered as the
item `VISIT#{vid}` / `MATERIAL#{filename}` (size, type, sha256) carrying its MaterialUploaded event:
the registry, not the bucket listing, says what is sent. A file uploaded after the timed email went
out is sent at once, on its own, to those who got it (occasion `material#{filename}#{sha}`), so a
late addition or a corrected version still reaches them; the same file again changes nothing.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from shared import clock
from shared.domain import material as rules
from shared.domain import plan as planning
from shared.errors import Conflict, Invalid, NotFound, PayloadTooLarge, UnsupportedMediaType
from shared.models.document import Document
from shared.models.events import MaterialUploaded
from shared.services import outbound, visits

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

PREFIX = "visits/{visit_id}/background/"
KIND = "background_material"


def object_key(visit_id: str, filename: str) -> str:
    return PREFIX.format(visit_id=visit_id) + filename


def of_visit(stores: Stores, visit_id: str) -> list[dict]:
    """The visit's registered material, by filename."""
    return stores.extras.material(visit_id)


def upload(stores: Stores, visit_id: str, filename: str, content: bytes, content_type: str | None) -> tuple[int, dict]:
    """Store one file (201 with what was stored); replacing a file of the same name is allowed."""
    visit = visits.find(stores, visit_id)
    try:
        kind = rules.check(filename, content_type, content)
    except rules.Refused as refused:
        if refused.status == 413:
            raise PayloadTooLarge(refused.message) from None
        if refused.status == 415:
            raise UnsupportedMediaType(refused.message) from None
        raise Invalid({refused.field: refused.message}) from None
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.starts_at is not None and clock.now() >= visit.starts_at:
        raise Conflict("the visit has started: background material is for before it")
    existing = {item["filename"]: item for item in of_visit(stores, visit_id)}
    total = sum(int(i["size"]) for name, i in existing.items() if name != filename) + len(content)
    if total > rules.MAX_VISIT_BYTES:
        raise Conflict(f"the visit's material would come to {rules.megabytes(total)}: at most "
                       f"{rules.megabytes(rules.MAX_VISIT_BYTES)} in all, so that it fits in one email")
    digest = hashlib.sha256(content).hexdigest()
    previous = existing.get(filename)
    if previous and previous.get("sha256") == digest:
        return 201, answer(previous)  # the same file again: nothing changes, nothing is sent again
    key = object_key(visit_id, filename)
    stores.documents.put(key, content, kind.content_type)
    item = {"visit_id": visit_id, "filename": filename, "key": key, "size": len(content),
            "content_type": kind.content_type, "sha256": digest, "uploaded_at": clock.iso(clock.now())}
    stores.extras.register_material(visit_id, filename, item,
                                      MaterialUploaded(visit_id=visit_id, filename=filename, sha256=digest))
    return 201, answer(item)


def answer(item: dict) -> dict:
    return {k: item[k] for k in ("visit_id", "filename", "size", "content_type", "sha256", "uploaded_at")}


def documents_of(stores: Stores, visit_id: str, only: str | None = None) -> list[Document]:
    """The registered files' contents (one file if `only` names it)."""
    found = []
    for item in of_visit(stores, visit_id):
        if only is not None and item["filename"] != only:
            continue
        document = stores.documents.get(item["key"])
        if document is not None:
            found.append(Document(document.key, document.content, item["content_type"]))
    return found


def on_uploaded(stores: Stores, detail: MaterialUploaded) -> int:
    """MaterialUploaded after the timed material email went: send this file at once to those it goes to."""
    from shared.services import preparation, reminders  # the email and its audience live there

    try:
        visit = visits.find(stores, detail.visit_id)
    except NotFound:
        return 0
    if visit.status == "cancelled":
        return 0
    planned = planning.planned_item(visit, KIND, planning.call_occasion(visit))
    if planned is None or planned.due_at > clock.now():
        return 0  # the timed email will carry it
    item = next((i for i in of_visit(stores, visit.visit_id) if i["filename"] == detail.filename), None)
    if item is None or item.get("sha256") != detail.sha256:
        return 0  # replaced since: its own event sends the newer file
    occasion = f"material#{detail.filename}#{detail.sha256[:12]}"
    sent = 0
    for application in reminders.recipients(stores, visit, KIND):
        if outbound.already_sent(stores, visit.visit_id, KIND, occasion, application.email):
            continue
        email = preparation.background_material(stores, visit, application, only=detail.filename)
        sent += outbound.send_once(stores, visit=visit, kind=KIND, occasion=occasion,
                                   recipient=application.email, email=email,
                                   application_id=application.application_id)
    return sent
