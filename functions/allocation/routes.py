"""Allocation routes: coordinators run and read a visit's allocation; applicants confirm their offer."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import idempotent, json_response, require_caller, require_coordinator
from shared.http.documented import response
from shared.link_actions import ACTIONS

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
allocation, offers = Deferred("shared.services.allocation"), Deferred("shared.services.offers")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request
# Routes a visitor's link also stands for: one status and one answer for both (shared/link_actions.py).
CONFIRM = ACTIONS["confirm"]


@router.post("/visits/<visit_id>/allocation",
             summary="Run (or re-run) the allocation; closes applications first if still open (coordinators)",
             tags=["allocation"], responses=response("The allocation", "Allocation"))
def run_allocation(visit_id: Annotated[str, Path()]):
    caller = require_coordinator(router)
    return idempotent(router, caller.email, lambda: (200, allocation.run(stores(), visit_id)))


@router.get("/visits/<visit_id>/allocation", summary="Read the allocation (coordinators)", tags=["allocation"],
            responses=response("The allocation", "Allocation"))
def get_allocation(visit_id: Annotated[str, Path()]):
    require_coordinator(router)
    return json_response(200, allocation.answer(stores(), visit_id))


@router.post("/applications/<application_id>/confirm",
             summary="Confirm an offered place (the submitting member or the applicant)", tags=["applications"],
             responses=response("The application, confirmed", "ApplicationOut"))
def confirm_offer(application_id: Annotated[str, Path()],
                  body: Annotated[dict[str, Any] | None, Body()] = None):
    caller = require_caller(router)
    return idempotent(router, caller.email, lambda: CONFIRM.respond(offers.confirm(stores(), application_id, caller)))
