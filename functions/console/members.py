"""The members' pages: open visits, applying for a colleague, the organisation's applications and
withdrawing them, as HTML over the same services as the JSON routes."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from functions.console import forms
from functions.console.web import form_of, link, page, query, redirect, refused, signed_in, substitute_from_form
from shared.errors import Forbidden
from shared.models.application import ApplicationIn
from shared.models.parsing import parse_body
from shared.deferred import Deferred, later

router = APIGatewayRouter()
# Each page's services are imported on its first request: a cold start pays for none of the others.
applications = Deferred("shared.services.applications")
intake = Deferred("shared.services.intake")
overview = Deferred("shared.services.overview")
visits = Deferred("shared.services.visits")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request

DONE = {
    "applied": "The application was sent. A receipt is on its way to your colleague and to you.",
    "withdrawn": "The application was withdrawn.",
    "substituted": "Your colleague now holds the place and is being told.",
}


def _may_act(application, caller) -> bool:
    return caller.email in (application.submitted_by.lower(), application.email.lower())


def _may_substitute(application, caller) -> bool:
    return caller.email == application.submitted_by.lower() and application.holds_place


@router.get("/members", include_in_schema=False)
def members_home():
    session = signed_in(router)
    done = DONE.get(query(router, "done"))
    organisation = session.caller.organisation
    applied = overview.organisation_applications(stores(), organisation) if organisation else []
    return page("members/home.html", session, section="members", open_visits=overview.open_visits(stores()),
                applied=applied, done=done, may_act=lambda a: _may_act(a, session.caller),
                may_substitute=lambda a: _may_substitute(a, session.caller))


@router.get("/members/visits/<visit_id>/apply", include_in_schema=False)
def application_form(visit_id: Annotated[str, Path()]):
    session = signed_in(router)
    return page("members/apply.html", session, visit=visits.find(stores(), visit_id), values=forms.person_values(),
                errors={})


@router.post("/members/visits/<visit_id>/apply", include_in_schema=False)
def apply(visit_id: Annotated[str, Path()]):
    session = signed_in(router)
    form = form_of(router, session)
    visit = visits.find(stores(), visit_id)
    values = forms.person_values(form)
    again = refused(lambda: intake.submit(stores(), visit_id, parse_body(ApplicationIn, forms.person_body(form)),
                                          session.caller),
                    lambda errors, status: page("members/apply.html", session, status=status, visit=visit,
                                                values=values, errors=errors))
    if again:
        return again
    return redirect(link("/members", done="applied") + "#applications")


@router.post("/members/applications/<application_id>/withdraw", include_in_schema=False)
def withdraw(application_id: Annotated[str, Path()]):
    session = signed_in(router)
    form_of(router, session)
    intake.withdraw(stores(), application_id, session.caller)
    return redirect(link("/members", done="withdrawn") + "#applications")



@router.get("/members/applications/<application_id>/substitute", include_in_schema=False)
def substitute_form(application_id: Annotated[str, Path()]):
    session = signed_in(router)
    return _substitute_page(session, _own(applications.find(stores(), application_id), session), forms.person_values(),
                            {}, 200)


@router.post("/members/applications/<application_id>/substitute", include_in_schema=False)
def substitute(application_id: Annotated[str, Path()]):
    session = signed_in(router)
    form = form_of(router, session)
    application = _own(applications.find(stores(), application_id), session)
    return substitute_from_form(session, form, application, page_again=_substitute_page,
                                done=link("/members", done="substituted") + "#applications")


def _own(application, session):
    """The application, if it is of the signed-in member's own organisation (the session's, never the
    form's): a member hands on only their organisation's places (the colleague joins that organisation)."""
    mine = (session.caller.organisation or "").strip().lower()
    if not mine or application.organisation.strip().lower() != mine:
        raise Forbidden("you may hand on only places of your own organisation")
    return application


def _substitute_page(session, application, values: dict, errors: dict, status: int):
    applications.authorize(application, session.caller, action="substitute", applicant=False, links=False)
    return page("console/substitute.html", session, status=status, application=application,
                visit=visits.find(stores(), application.visit_id), values=values, errors=errors,
                action=link(f"/members/applications/{application.application_id}/substitute"),
                back=link("/members") + "#applications")
