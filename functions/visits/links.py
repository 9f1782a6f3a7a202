"""Visitors' email links: GET describes (mail scanners pre-fetch), POST performs.

A browser (Accept: text/html) gets pages instead of JSON, and may POST the page's form
(application/x-www-form-urlencoded): `link_pages` turns both into the same action.
"""

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from functions.visits import link_pages
from shared import link_actions
from shared.deferred import Deferred, later
from shared.http import json_response
from shared.http.documented import response
from shared.pages import wants_html

if TYPE_CHECKING:
    from shared.services.links import Link

router = APIGatewayRouter()
links = Deferred("shared.services.links")  # imported on the first link opened, not on every cold start
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request


@router.get("/links/<token>", summary="What an email link does (never performs it)", tags=["links"],
            description="With Accept: text/html (a browser) the answer is an HTML page saying what the link does, "
                        "for which visit and person, with a form that performs it; unknown (404) and expired (409) "
                        "links answer a page too.",
            responses=response("What the link does", "LinkDescription"))
def describe_link(token: Annotated[str, Path()]):
    if wants_html(router.current_event.headers):
        return link_pages.describe(lambda: links.resolve(stores(), token))
    return json_response(200, link_actions.describe(links.resolve(stores(), token)))


@router.post("/links/<token>", summary="Perform an email link's action (same body as its route)", tags=["links"],
             description="Also takes the link page's form (application/x-www-form-urlencoded); with Accept: "
                         "text/html the answer is an HTML page saying what happened (bad input: the form again, "
                         "422, each field's error beside it).",
             responses={**response("Done (confirm, withdraw, prep call, stop follow-up)",
                                 "ApplicationOut", "PrepCallOut", "FollowUpStoppedOut"),
                        **response("Recorded (learning points, reflections)", "LearningPointsOut", "ReflectionOut", status=201)})
def perform_link(token: Annotated[str, Path()],
                 body: Annotated[dict[str, Any] | None, Body()] = None):
    event = router.current_event
    form = link_pages.parse_form(event.decoded_body) if _is_form(event.headers) else None
    if wants_html(event.headers):
        return link_pages.perform(lambda: links.resolve(stores(), token), form if form is not None else {}, perform)
    link = links.resolve(stores(), token)
    return json_response(*perform(link, link_pages.form_body(link.action, form) if form is not None else body or {}))


def perform(link: "Link", body: dict) -> tuple[int, dict]:
    """The link's action with this body (shared/link_actions.py): its route's status and answer."""
    return link_actions.ACTIONS[link.action].respond(link_actions.perform(stores(), link, body))


def _is_form(headers: dict[str, str]) -> bool:
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "") or ""
    return media.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
