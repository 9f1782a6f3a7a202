"""Visitors' email links: GET describes (mail scanners pre-fetch), POST performs."""

from importlib import import_module
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.http import json_response
from shared.models.responses import (
    ApplicationOut,
    FollowUpStoppedOut,
    LearningPointsOut,
    LinkDescription,
    PrepCallOut,
    ReflectionOut,
    response,
)
from shared.services import links
from shared.services.applications import LinkActor

router = APIGatewayRouter()

# action -> "module:function" performing it; each takes (application_id, body, actor) -> (status, body).
PERFORMERS = {
    "confirm": "shared.services.offers:confirm",
    "withdraw": "shared.services.intake:withdraw",
    "prep_call": "shared.services.preparation:set_prep_call",
    "learning_points": "shared.services.learning:submit_points",
    "reflections": "shared.services.follow_up:record_reflection",
    "stop_follow_up": "shared.services.follow_up:stop",
}


def _performer(action: str):
    module, name = PERFORMERS[action].split(":")
    return getattr(import_module(module), name)


@router.get("/links/<token>", summary="What an email link does (never performs it)", tags=["links"],
            responses=response("What the link does", LinkDescription))
def describe_link(token: Annotated[str, Path()]):
    return json_response(200, links.resolve(token).describe())


@router.post("/links/<token>", summary="Perform an email link's action (same body as its route)", tags=["links"],
             responses={**response("Done (confirm, withdraw, prep call, stop follow-up)",
                                 ApplicationOut | PrepCallOut | FollowUpStoppedOut),
                        **response("Recorded (learning points, reflections)", LearningPointsOut | ReflectionOut, 201)})
def perform_link(token: Annotated[str, Path()],
                 body: Annotated[dict[str, Any] | None, Body()] = None):
    link = links.resolve(token)
    status, answer = _performer(link.action)(link.application_id, body or {}, LinkActor(link.application_id,
                                                                                         link.action))
    return json_response(status, answer)
