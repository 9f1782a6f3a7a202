"""Application routes: members apply, read and withdraw; coordinators list a visit's applications."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import answered_once, idempotent, json_response, require_caller, require_coordinator
from shared.http.documented import response, schema
from shared.link_actions import ACTIONS
from shared.models.application import ApplicationIn
from shared.models.year import SubstituteIn

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
intake, substitution = Deferred("shared.services.intake"), Deferred("shared.services.substitution")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request
# Routes a visitor's link also stands for: one status and one answer for both (shared/link_actions.py).
WITHDRAW = ACTIONS["withdraw"]

CSV = "text/csv"


@router.post("/visits/<visit_id>/applications", summary="Apply for a place on a visit (members)",
             description="The organisation is the one in the member's token. One application per email per visit.",
             tags=["applications"], status_code=201,
             responses=response("The application", "ApplicationOut", status=201))
def submit_application(visit_id: Annotated[str, Path()], body: Annotated[ApplicationIn, Body()]):
    caller = require_caller(router)
    # The answer is remembered by the application's own transaction: two calls, with an Idempotency-Key too.
    return answered_once(router, caller.email, 201,
                         lambda remember: intake.submit(stores(), visit_id, body, caller, remember).answer())


@router.get("/applications/<application_id>",
            summary="Read an application (the submitting member, the applicant, coordinators)", tags=["applications"],
            responses=response("The application", "ApplicationOut"))
def get_application(application_id: Annotated[str, Path()]):
    caller = require_caller(router)
    return json_response(200, intake.read(stores(), application_id, caller).answer())


@router.post("/applications/<application_id>/withdraw",
             summary="Withdraw an application (the submitting member, the applicant, coordinators)",
             tags=["applications"], responses=response("The application, withdrawn", "ApplicationOut"))
def withdraw_application(application_id: Annotated[str, Path()],
                         body: Annotated[dict[str, Any] | None, Body()] = None):
    caller = require_caller(router)
    return idempotent(router, caller.email, lambda: WITHDRAW.respond(intake.withdraw(stores(), application_id, caller)))


@router.post("/applications/<application_id>/substitute",
             summary="Hand a held place to a colleague of the same organisation (the submitting member, coordinators)",
             description="The new application holds the old one's place and status (offered or confirmed); the old one "
                         "becomes substituted and its holder's calendar events are cancelled; the colleague gets the "
                         "offer or confirmation with the visit's event; the host is told if the visitors' list has "
                         "gone. 409 if the application holds no place, the visit has started, or the colleague "
                         "already applied.",
             tags=["applications"], status_code=201,
             responses=response("The colleague's application", "ApplicationOut", status=201))
def substitute_application(application_id: Annotated[str, Path()], body: Annotated[SubstituteIn, Body()]):
    caller = require_caller(router)
    raw = router.current_event.json_body
    return idempotent(router, caller.email, lambda: substitution.substitute(stores(), application_id, raw, caller))


@router.get("/me/applications", summary="Applications I submitted or am the applicant of", tags=["applications"],
            responses=response("My applications", "ApplicationList"))
def my_applications():
    caller = require_caller(router)
    return json_response(200, {"applications": [a.answer() for a in intake.mine(stores(), caller)]})


@router.get("/visits/<visit_id>/applications",
            summary="A visit's applications (coordinators; CSV with Accept: text/csv)", tags=["applications"],
            responses={200: {"description": "The visit's applications, oldest first",
                             "content": {"application/json": {"schema": schema("ApplicationList")},
                                         CSV: {"schema": {"type": "string"}}}}})
def visit_applications(visit_id: Annotated[str, Path()]):
    require_coordinator(router)
    found = intake.of_visit(stores(), visit_id)
    if _wants_csv():
        return Response(status_code=200, content_type=f"{CSV}; charset=utf-8", body=intake.as_csv(found),
                        headers={"Content-Disposition": f'attachment; filename="applications-{visit_id}.csv"'})
    return json_response(200, {"applications": [a.answer() for a in found]})


def _wants_csv() -> bool:
    accept = next((v for k, v in router.current_event.headers.items() if k.lower() == "accept"), "") or ""
    return any(part.split(";")[0].strip().lower() == CSV for part in accept.split(","))
