"""Who came to a visit: recorded by a coordinator from the visit's start.

Absent visitors get no learning-points request, reminder or follow-up, and are not counted as
visitors in reports (shared/domain/plan.py `attended_visit`, `Application.counts_as_visitor`);
until attendance is recorded, every confirmed visitor counts as attended. Each change is the
application's own AttendanceRecorded event.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared import clock
from shared.errors import Conflict, Invalid
from shared.models.events import AttendanceRecorded
from shared.models.parsing import parse_body
from shared.models.year import AttendanceIn
from shared.services import applications, visits

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


def record(stores: Stores, visit_id: str, body: dict) -> tuple[int, dict]:
    """Mark confirmed visitors attended or absent (a later call may change either); 200 the visit's attendance."""
    request = parse_body(AttendanceIn, body)
    visit = visits.find(stores, visit_id)
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.starts_at is None or clock.now() < visit.starts_at:
        raise Conflict("attendance is recorded from the start of the visit")
    wanted = {**{aid: True for aid in request.attended}, **{aid: False for aid in request.absent}}
    problems: dict[str, str] = {}
    if not wanted:
        problems["attended"] = "name at least one application in attended or absent"
    both = sorted(set(request.attended) & set(request.absent))
    if both:
        problems["absent"] = f"also listed as attended: {', '.join(both)}"
    confirmed = {a.application_id: a for a in applications.of_visit(stores, visit_id) if a.status == "confirmed"}
    for field, ids in (("attended", request.attended), ("absent", request.absent)):
        unknown = [aid for aid in ids if aid not in confirmed]
        if unknown:
            problems.setdefault(field, f"not confirmed visitors of this visit: {', '.join(unknown)}")
    if problems:
        raise Invalid(problems)
    for application_id, came in wanted.items():
        _set(stores, confirmed[application_id], came)
    return 200, answer(stores, visit_id)


def _set(stores: Stores, application, came: bool) -> None:
    for _ in range(3):
        if application.attended is came:
            return
        event = AttendanceRecorded(visit_id=application.visit_id, application_id=application.application_id,
                                   organisation=application.organisation, attended=came)
        try:
            applications.change(stores, application, event, from_status=("confirmed",), attended=came)
            return
        except Conflict:
            application = applications.find(stores, application.application_id)
            if application.status != "confirmed":
                raise Conflict(f"application {application.application_id} is {application.status} now") from None
    raise Conflict("the application keeps changing; try again")


def answer(stores: Stores, visit_id: str) -> dict:
    confirmed = [a for a in applications.of_visit(stores, visit_id) if a.status == "confirmed"]
    return {"visit_id": visit_id,
            "attended": [a.application_id for a in confirmed if a.attended is True],
            "absent": [a.application_id for a in confirmed if a.attended is False],
            "not_recorded": [a.application_id for a in confirmed if a.attended is None]}
