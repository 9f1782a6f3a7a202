"""Visit routes: anyone lists and reads; coordinators create, patch and cancel."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import current_caller, idempotent, json_response, require_coordinator
from shared.http.documented import response
from shared.models.visit import VisitFields, VisitPatch
from shared.models.year import CancelIn

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
visits = Deferred("shared.services.visits")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request


def _view(visit, signed_in: bool) -> dict:
    return visit.answer() if signed_in else visit.public_view()


@router.get("/visits", summary="List visits", tags=["visits"],
            responses=response("Every visit (host contact and dial-in for signed-in callers only)", "VisitList"))
def list_visits():
    signed_in = current_caller(router) is not None
    return json_response(200, {"visits": [_view(v, signed_in) for v in visits.all_visits(stores())]})


@router.post("/visits", summary="Create a visit (coordinators)", tags=["visits"], status_code=201,
             responses=response("The visit created", "VisitOut", status=201))
def create_visit(body: Annotated[VisitFields, Body()]):
    caller = require_coordinator(router)
    return idempotent(router, caller.email, lambda: (201, visits.create(stores(), body).answer()))


@router.get("/visits/<visit_id>", summary="Read a visit", tags=["visits"],
            responses=response("The visit (host contact and dial-in for signed-in callers only)",
                               "VisitOut", "PublicVisit"))
def get_visit(visit_id: Annotated[str, Path()]):
    signed_in = current_caller(router) is not None
    return json_response(200, _view(visits.find(stores(), visit_id), signed_in))


@router.patch("/visits/<visit_id>", summary="Change a visit (JSON Merge Patch; coordinators)", tags=["visits"],
              responses=response("The visit changed", "VisitOut"))
def patch_visit(visit_id: Annotated[str, Path()], body: Annotated[VisitPatch, Body()]):
    require_coordinator(router)
    changes = router.current_event.json_body
    return json_response(200, visits.patch(stores(), visit_id, changes).answer())


@router.post("/visits/<visit_id>/cancel", summary="Cancel a visit, with an optional reason (coordinators)",
             description="Holders of a place get METHOD:CANCEL of their calendar events; the host and the members who "
                         "applied are told; the reason, if given, is in every email. Nothing further is sent.",
             tags=["visits"], responses=response("The visit, cancelled", "VisitOut"))
def cancel_visit(visit_id: Annotated[str, Path()], body: Annotated[CancelIn | None, Body()] = None):
    caller = require_coordinator(router)
    reason = body.reason if body else None
    return idempotent(router, caller.email, lambda: (200, visits.cancel(stores(), visit_id, reason).answer()))
