"""The visitors' email links, declared once: for each action what it does, the route it stands for,
the body it takes, the service that performs it, and the answer (status and JSON) that its route
gives too. The link dispatcher (JSON) and the visitors' pages (HTML) both call `perform`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from shared import clock
from shared.deferred import named
from shared.domain import links as lifetimes

if TYPE_CHECKING:  # a function imports the models and services of the actions it performs, when it does
    from shared.models.application import Application
    from shared.services.applications import Actor
    from shared.services.links import Link
    from shared.store import Stores
    from shared.store.learning import LearningPoints, Reflection


# --- the answers, shared by each route and its link -------------------------------------------------

def application_answer(application: Application) -> dict:
    return application.answer()


def prep_call_answer(application: Application) -> dict:
    return {"application_id": application.application_id, "status": application.status,
            "attending": application.attending_prep_call, "prep_call": application.prep_call}


def points_answer(points: LearningPoints) -> dict:
    return points.answer()


def reflection_answer(reflection: Reflection) -> dict:
    return reflection.model_dump(mode="json", include={"application_id", "visit_id", "week", "text", "recorded_at"})


def follow_up_answer(application: Application) -> dict:
    return {"application_id": application.application_id, "follow_up_stopped": application.follow_up_stopped}


# --- the actions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkAction:
    name: str
    description: str
    route: str                                   # the API route the link stands for
    body: str | None                             # its model, "module:Model"; None: no body (any body is ignored)
    # The service, "module:function", imported when first performed (each function imports only its own):
    # (stores, application_id, validated body, actor), or (stores, application_id, actor) when there is no body.
    service: str
    status: int
    answer: Callable[[Any], dict]

    def perform(self, stores: Stores, application_id: str, body: object, actor: Actor) -> Any:
        """Validate the body (Invalid naming each field) and run the service over `stores`; its domain result."""
        from shared.models.parsing import parse_body

        run = named(self.service)
        if self.body is None:
            return run(stores, application_id, actor)
        return run(stores, application_id, parse_body(named(self.body), body), actor)

    def respond(self, result: Any) -> tuple[int, dict]:
        return self.status, self.answer(result)


ACTIONS: dict[str, LinkAction] = {action.name: action for action in (
    LinkAction("confirm", "Confirm your place", "POST /applications/{application_id}/confirm", None,
               "shared.services.offers:confirm", 200, application_answer),
    LinkAction("withdraw", "Withdraw your application", "POST /applications/{application_id}/withdraw", None,
               "shared.services.intake:withdraw", 200, application_answer),
    LinkAction("prep_call", "Say whether you can join the preparation call",
               "POST /applications/{application_id}/prep-call", "shared.models.follow_up:PrepCallIn",
               "shared.services.preparation:set_prep_call", 200, prep_call_answer),
    LinkAction("learning_points", "Send your learning points", "POST /applications/{application_id}/learning-points",
               "shared.models.learning:LearningPointsIn", "shared.services.learning:submit_points", 201, points_answer),
    LinkAction("reflections", "Record a reflection", "POST /applications/{application_id}/reflections",
               "shared.models.follow_up:ReflectionIn", "shared.services.follow_up:record_reflection", 201,
               reflection_answer),
    LinkAction("stop_follow_up", "Stop the follow-up emails", "POST /applications/{application_id}/stop-follow-up",
               None, "shared.services.follow_up:stop", 200, follow_up_answer),
)}
assert set(ACTIONS) == set(lifetimes.ACTIONS), "every link action has one lifetime rule"


def describe(link: Link) -> dict:
    """What the link does (GET: mail scanners pre-fetch links, so this never performs it)."""
    action = ACTIONS[link.action]
    return {"action": link.action, "description": action.description, "method": "POST",
            "stands_for": action.route.format(application_id=link.application_id),
            "application_id": link.application_id, "expires_at": clock.iso(link.expires_at)}


def perform(stores: Stores, link: Link, body: object) -> Any:
    """Perform the link's action, acting as the link, with `body` validated against the action's model,
    over the stores its entry (the link's route or page) passes.

    The domain result (an Application, LearningPoints, a Reflection), or a ProgrammeError:
    Invalid naming each offending field, Conflict, Forbidden, NotFound. Nothing is stored on error.
    """
    from shared.services.applications import LinkActor

    action = ACTIONS[link.action]
    return action.perform(stores, link.application_id, body, LinkActor(link.application_id, link.action))
