"""Reminders routes: the visitor's call answer, reflections, stopping the follow-up; the visit's timeline."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.link_actions import ACTIONS
from shared.http import idempotent, json_response, require_caller, require_coordinator
from shared.models.follow_up import PrepCallIn, ReflectionIn
from shared.models.responses import FollowUpStoppedOut, PrepCallOut, ReflectionOut, Timeline, response
from shared.services import follow_up, preparation, timeline

router = APIGatewayRouter()
# Routes a visitor's link also stands for: one status and one answer for both (shared/link_actions.py).
PREP_CALL, REFLECTIONS, STOP = ACTIONS["prep_call"], ACTIONS["reflections"], ACTIONS["stop_follow_up"]


@router.post("/applications/<application_id>/prep-call",
             summary="Say whether the visitor joins the preparation call (the submitting member or the applicant)",
             tags=["applications"], responses=response("The visitor's answer", PrepCallOut))
def set_prep_call(application_id: Annotated[str, Path()], body: Annotated[PrepCallIn, Body()]):
    caller = require_caller(router)
    return idempotent(router, caller.email, lambda: PREP_CALL.respond(preparation.set_prep_call(application_id, body,
                                                                                                caller)))


@router.post("/applications/<application_id>/reflections",
             summary="Record a week's reflection after the visit (confirmed visitors)", tags=["applications"],
             status_code=201, responses=response("The reflection as recorded", ReflectionOut, 201))
def record_reflection(application_id: Annotated[str, Path()], body: Annotated[ReflectionIn, Body()]):
    caller = require_caller(router)
    return idempotent(router, caller.email,
                      lambda: REFLECTIONS.respond(follow_up.record_reflection(application_id, body, caller)))


@router.post("/applications/<application_id>/stop-follow-up",
             summary="Stop the weekly follow-up emails (the applicant only)", tags=["applications"],
             responses=response("The follow-up is stopped", FollowUpStoppedOut))
def stop_follow_up(application_id: Annotated[str, Path()],
                   body: Annotated[dict[str, Any] | None, Body()] = None):
    caller = require_caller(router)
    return idempotent(router, caller.email, lambda: STOP.respond(follow_up.stop(application_id, caller)))


@router.get("/visits/<visit_id>/timeline",
            summary="Every communication planned or sent for the visit (coordinators)", tags=["visits"],
            responses=response("The visit's communications in due order", Timeline))
def get_timeline(visit_id: Annotated[str, Path()]):
    require_coordinator(router)
    return json_response(200, timeline.timeline(visit_id))
