"""Visitors' email links: GET describes (mail scanners pre-fetch), POST performs."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared import link_actions
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

router = APIGatewayRouter()


@router.get("/links/<token>", summary="What an email link does (never performs it)", tags=["links"],
            responses=response("What the link does", LinkDescription))
def describe_link(token: Annotated[str, Path()]):
    return json_response(200, link_actions.describe(links.resolve(token)))


@router.post("/links/<token>", summary="Perform an email link's action (same body as its route)", tags=["links"],
             responses={**response("Done (confirm, withdraw, prep call, stop follow-up)",
                                 ApplicationOut | PrepCallOut | FollowUpStoppedOut),
                        **response("Recorded (learning points, reflections)", LearningPointsOut | ReflectionOut, 201)})
def perform_link(token: Annotated[str, Path()],
                 body: Annotated[dict[str, Any] | None, Body()] = None):
    link = links.resolve(token)
    result = link_actions.perform(link, body or {})
    return json_response(*link_actions.ACTIONS[link.action].respond(result))
