"""Report routes: visitors send learning points; coordinators read the report and hide points;
anyone reads the published summary."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import idempotent, json_response, require_caller, require_coordinator
from shared.http.documented import response, schema
from shared.link_actions import ACTIONS
from shared.models.learning import HiddenPointIn, LearningPointsIn
from shared.models.year import AttendanceIn

if TYPE_CHECKING:
    from shared.services.reports import Hidden

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
attendance = Deferred("shared.services.attendance")
learning = Deferred("shared.services.learning")
reports = Deferred("shared.services.reports")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request
# Routes a visitor's link also stands for: one status and one answer for both (shared/link_actions.py).
LEARNING_POINTS = ACTIONS["learning_points"]


@router.post("/applications/<application_id>/learning-points",
             summary="Send (or replace) a visitor's learning points, from the visit's start until the report "
                     "is assembled (the submitting member or the applicant)",
             tags=["reports"], status_code=201,
             responses=response("The learning points as stored", "LearningPointsOut", status=201))
def submit_learning_points(application_id: Annotated[str, Path()], body: Annotated[LearningPointsIn, Body()]):
    caller = require_caller(router)
    return idempotent(router, caller.email,
                      lambda: LEARNING_POINTS.respond(learning.submit_points(stores(), application_id, body, caller)))


@router.post("/visits/<visit_id>/attendance",
             summary="Record who came to the visit, from its start (coordinators)",
             description="Absent visitors get no learning-points request, reminder or follow-up and are not counted "
                         "as visitors in reports; until recorded, every confirmed visitor counts as attended.",
             tags=["reports"], responses=response("The visit's confirmed visitors by attendance", "AttendanceOut"))
def record_attendance(visit_id: Annotated[str, Path()], body: Annotated[AttendanceIn, Body()]):
    caller = require_coordinator(router)
    raw = router.current_event.json_body
    return idempotent(router, caller.email, lambda: attendance.record(stores(), visit_id, raw))


@router.get("/visits/<visit_id>/report", summary="The full report of a visit, attributed (coordinators)",
            tags=["reports"], responses=response("The full report", "Report"))
def get_report(visit_id: Annotated[str, Path()]):
    require_coordinator(router)
    return json_response(200, reports.full_report(stores(), visit_id))


@router.post("/visits/<visit_id>/report/hidden-points",
             summary="Keep one learning point out of the published summary (coordinators)", tags=["reports"],
             responses=response("The points kept out of the summary", "HiddenPoints"))
def hide_point(visit_id: Annotated[str, Path()], body: Annotated[HiddenPointIn, Body()]):
    caller = require_coordinator(router)
    return idempotent(router, caller.email, lambda: (200, _hidden_answer(reports.hide_point(stores(), visit_id, body))))


def _hidden_answer(hidden: "Hidden") -> dict:
    return {"visit_id": hidden.visit_id, "republished": hidden.republished,
            "hidden_points": [{"application_id": h.application_id, "index": h.index} for h in hidden.points]}


@router.get("/reports/<visit_id>",
            summary="The published summary of a visit: no names, no emails (anyone; text/html on request)",
            tags=["reports"],
            responses={200: {"description": "The published summary",
                             "content": {"application/json": {"schema": schema("PublicSummary")},
                                         "text/html": {"schema": {"type": "string"}}}}})
def get_summary(visit_id: Annotated[str, Path()]):
    accept = router.current_event.headers.get("Accept") or router.current_event.headers.get("accept") or ""
    if "text/html" in accept and "application/json" not in accept:
        return Response(status_code=200, content_type="text/html; charset=utf-8",
                        body=reports.public_summary_html(stores(), visit_id))
    return json_response(200, reports.public_summary(stores(), visit_id))
