"""Reminders routes: the visitor's call answer, reflections, stopping the follow-up; the visit's timeline."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.deferred import Deferred, later
from shared.http import idempotent, json_response, raw_body, require_caller, require_coordinator
from shared.http.documented import response
from shared.link_actions import ACTIONS
from shared.models.follow_up import PrepCallIn, ReflectionIn
from shared.models.year import ResendIn

router = APIGatewayRouter()
# Each route's service is imported on the route's first request: a cold start pays for none of the others.
follow_up = Deferred("shared.services.follow_up")
material = Deferred("shared.services.material")
preparation = Deferred("shared.services.preparation")
resend = Deferred("shared.services.resend")
timeline = Deferred("shared.services.timeline")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request
# Routes a visitor's link also stands for: one status and one answer for both (shared/link_actions.py).
PREP_CALL, REFLECTIONS, STOP = ACTIONS["prep_call"], ACTIONS["reflections"], ACTIONS["stop_follow_up"]


@router.post("/applications/<application_id>/prep-call",
             summary="Say whether the visitor joins the preparation call (the submitting member or the applicant)",
             tags=["applications"], responses=response("The visitor's answer", "PrepCallOut"))
def set_prep_call(application_id: Annotated[str, Path()], body: Annotated[PrepCallIn, Body()]):
    caller = require_caller(router)
    return idempotent(router, caller.email,
                      lambda: PREP_CALL.respond(preparation.set_prep_call(stores(), application_id, body, caller)))


@router.post("/applications/<application_id>/reflections",
             summary="Record a week's reflection after the visit (confirmed visitors)", tags=["applications"],
             status_code=201, responses=response("The reflection as recorded", "ReflectionOut", status=201))
def record_reflection(application_id: Annotated[str, Path()], body: Annotated[ReflectionIn, Body()]):
    caller = require_caller(router)
    return idempotent(router, caller.email,
                      lambda: REFLECTIONS.respond(follow_up.record_reflection(stores(), application_id, body, caller)))


@router.post("/applications/<application_id>/stop-follow-up",
             summary="Stop the weekly follow-up emails (the applicant only)", tags=["applications"],
             responses=response("The follow-up is stopped", "FollowUpStoppedOut"))
def stop_follow_up(application_id: Annotated[str, Path()],
                   body: Annotated[dict[str, Any] | None, Body()] = None):
    caller = require_caller(router)
    return idempotent(router, caller.email, lambda: STOP.respond(follow_up.stop(stores(), application_id, caller)))


@router.get("/visits/<visit_id>/timeline",
            summary="Every communication planned or sent for the visit (coordinators)", tags=["visits"],
            responses=response("The visit's communications in due order", "Timeline"))
def get_timeline(visit_id: Annotated[str, Path()]):
    require_coordinator(router)
    return json_response(200, timeline.timeline(stores(), visit_id))


@router.put("/visits/<visit_id>/material/<filename>",
            summary="Upload (or replace) a file of the visit's background material (coordinators)",
            description="The raw file as the body (at most 5 MB; a visit's material at most 20 MB in all): PDF, Word, "
                        "PowerPoint, Excel, OpenDocument, PNG, JPEG, text or Markdown, checked by name, declared type "
                        "and content. Visitors not joining the preparation call get it attached to the background "
                        "material email (at once if that has already gone).",
            tags=["visits"], status_code=201, responses=response("The file as stored", "MaterialOut", status=201))
def upload_material(visit_id: Annotated[str, Path()], filename: Annotated[str, Path()]):
    require_coordinator(router)
    content_type = next((v for k, v in router.current_event.headers.items() if k.lower() == "content-type"), None)
    status, body = material.upload(stores(), visit_id, filename, raw_body(router), content_type)
    return json_response(status, body)


@router.post("/visits/<visit_id>/timeline/resend",
             summary="Resend one email of the timeline to its recipient, with fresh links (coordinators)",
             description="`kind` and `occasion` as the timeline shows them; `to` one of its recipients. The copy sent "
                         "then goes again, each link in it replaced by a fresh one for the same action and deadline; "
                         "the timeline shows it as a `resend`. 404 if that email never went to that address.",
             tags=["visits"], responses=response("What was resent", "ResendOut"))
def resend_email(visit_id: Annotated[str, Path()], body: Annotated[ResendIn, Body()]):
    caller = require_coordinator(router)
    return idempotent(router, caller.email,
                      lambda: resend.resend(stores(), visit_id, body.kind, body.occasion, body.to))


@router.post("/applications/<application_id>/links/reissue",
             summary="Email a visitor a fresh link for each action open to them now (coordinators)",
             description="Shown on the visit's timeline as `links_reissued`. 409 if the application is withdrawn, "
                         "expired or substituted, the visit is cancelled, or no action is open.",
             tags=["applications"], responses=response("The links sent", "ReissueOut"))
def reissue_links(application_id: Annotated[str, Path()],
                  body: Annotated[dict[str, Any] | None, Body()] = None):
    caller = require_coordinator(router)
    return idempotent(router, caller.email, lambda: resend.reissue(stores(), application_id))
