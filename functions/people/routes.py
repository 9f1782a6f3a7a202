"""People routes: erasing a person's data, and the coordinators' audit trail (coordinators only)."""

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import json_response, require_coordinator
from shared.http.documented import response

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
audit, people = Deferred("shared.services.audit"), Deferred("shared.services.people")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request


@router.delete("/people/<email>",
               summary="Erase a person: their applications lose every personal field; nothing more is sent "
                       "to them; their learning points stay in reports, unattributed (coordinators)",
               tags=["people"], responses=response("How many of their applications were erased", "Erased"))
def erase_person(email: Annotated[str, Path()]):
    require_coordinator(router)
    return json_response(200, {"erased": people.erase(stores(), unquote(email))})


@router.get("/audit", summary="Every request coordinators made, newest first (coordinators)", tags=["people"],
            responses=response("The audit trail", "AuditTrail"))
def read_audit(limit: Annotated[int, Query(ge=1, le=audit.MAX_LIMIT)] = audit.DEFAULT_LIMIT):
    require_coordinator(router)
    return json_response(200, {"entries": [e.answer() for e in audit.latest(stores(), limit)]})
