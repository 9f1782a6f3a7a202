"""The coordinators' console: the programme, a visit's page, and every action on them, as HTML.

Each action turns its form into the body of the JSON route that does the same and calls the same
service; a success answers 303 back to the page (with a note of what happened), an invalid form
the form again with each field's error beside it (422, nothing stored).
"""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from functions.console import forms
from functions.console.web import (csv_response, first, form_of, link, page, query, redirect, signed_in,
                                   substitute_from_form, upload_of)
from shared.domain.ledger_chart import svg
from shared.errors import Conflict, Invalid, NotFound, PayloadTooLarge, ProgrammeError, UnsupportedMediaType
from shared.http import raw_body
from shared.models.learning import HiddenPointIn
from shared.models.parsing import parse_body
from shared.models.visit import VisitFields
from shared.models.year import CancelIn
from shared.deferred import Deferred, later

router = APIGatewayRouter()
# Each page's services are imported on its first request: a cold start pays for none of the others.
allocation = Deferred("shared.services.allocation")
applications = Deferred("shared.services.applications")
attendance = Deferred("shared.services.attendance")
intake = Deferred("shared.services.intake")
material = Deferred("shared.services.material")
overview = Deferred("shared.services.overview")
reports = Deferred("shared.services.reports")
resend = Deferred("shared.services.resend")
visits = Deferred("shared.services.visits")
stores = later("shared.store:stores")  # the stores passed to the services, built on the first request

# What a page says after an action (?done=...): fixed words, never text from the query itself.
DONE = {
    "created": "The visit was created.",
    "saved": "The visit was saved.",
    "allocated": "The allocation ran: offers and waiting-list notices are on their way.",
    "cancelled": "The visit was cancelled: everyone holding a place is being told.",
    "withdrawn": "The application was withdrawn.",
    "hidden": "The point is kept out of the public summary.",
    "attendance": "Attendance was recorded.",
    "substituted": "The place was handed to the colleague, who is being told.",
    "material": "The background material was uploaded.",
    "resent": "The email was sent again, with fresh links.",
    "reissued": "Fresh links were sent to the visitor.",
}


def _done() -> str | None:
    return DONE.get(query(router, "done"))


@router.get("/console", include_in_schema=False)
def programme_page():
    session = signed_in(router, coordinator=True)
    ledger, titles = overview.ledger(stores())
    return page("console/programme.html", session, section="console", summaries=overview.programme(stores()),
                ledger=ledger, titles=titles, chart=svg(ledger, visit_names=titles), done=_done())


@router.get("/console/ledger.csv", include_in_schema=False)
def ledger_export():
    signed_in(router, coordinator=True)
    return csv_response("fairness-ledger.csv", overview.ledger_csv(stores()))


# --- creating and editing a visit ---------------------------------------------------------------

@router.get("/console/visits/new", include_in_schema=False)
def new_visit():
    session = signed_in(router, coordinator=True)
    return page("console/visit_form.html", session, section="new", visit=None, values=forms.visit_values(None),
                errors={})


@router.post("/console/visits", include_in_schema=False)
def create_visit():
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    try:
        visit = visits.create(stores(), parse_body(VisitFields, forms.visit_body(form)))
    except Invalid as error:
        return page("console/visit_form.html", session, status=422, visit=None,
                    values=forms.visit_values(None, form), errors=forms.field_errors(error.fields))
    return redirect(link(f"/console/visits/{visit.visit_id}", done="created"))


@router.get("/console/visits/<visit_id>/edit", include_in_schema=False)
def edit_visit(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    visit = visits.find(stores(), visit_id)
    return page("console/visit_form.html", session, visit=visit, values=forms.visit_values(visit), errors={})


@router.post("/console/visits/<visit_id>", include_in_schema=False)
def save_visit(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    visit = visits.find(stores(), visit_id)
    try:
        visits.patch(stores(), visit_id, forms.visit_body(form, for_patch=True))
    except Invalid as error:
        return page("console/visit_form.html", session, status=422, visit=visit,
                    values=forms.visit_values(visit, form), errors=forms.field_errors(error.fields))
    return redirect(link(f"/console/visits/{visit_id}", done="saved"))


# --- a visit's page and its actions -------------------------------------------------------------

@router.get("/console/visits/<visit_id>", include_in_schema=False)
def visit_page(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    return page("console/visit.html", session, detail=overview.visit_detail(stores(), visit_id), done=_done())


@router.get("/console/visits/<visit_id>/applications.csv", include_in_schema=False)
def applications_export(visit_id: Annotated[str, Path()]):
    signed_in(router, coordinator=True)
    return csv_response(f"applications-{visit_id}.csv", intake.as_csv(intake.of_visit(stores(), visit_id)))


@router.post("/console/visits/<visit_id>/allocation", include_in_schema=False)
def run_allocation(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form_of(router, session)
    allocation.run(stores(), visit_id)
    return redirect(link(f"/console/visits/{visit_id}", done="allocated") + "#allocation")


@router.post("/console/visits/<visit_id>/cancel", include_in_schema=False)
def cancel_visit(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    reason = first(form, "reason").strip()
    errors: dict[str, str] = {}
    if first(form, "confirm") != "yes":
        errors["confirm"] = "Tick the box to confirm that the visit is to be cancelled"
    try:
        request = parse_body(CancelIn, {"reason": reason or None})  # as POST /visits/{id}/cancel reads it
    except Invalid as error:
        errors.update(forms.field_errors(error.fields))
    if errors:
        return page("console/visit.html", session, status=422, detail=overview.visit_detail(stores(), visit_id),
                    done=None, errors=errors, reason=reason)
    visits.cancel(stores(), visit_id, request.reason)
    return redirect(link(f"/console/visits/{visit_id}", done="cancelled"))


@router.post("/console/visits/<visit_id>/hidden-points", include_in_schema=False)
def hide_point(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    index = first(form, "index")
    reports.hide_point(stores(), visit_id, parse_body(HiddenPointIn, {"application_id": first(form, "application_id"),
                                                           "index": int(index) if index.isdigit() else index}))
    return redirect(link(f"/console/visits/{visit_id}", done="hidden") + "#report")


@router.post("/console/applications/<application_id>/withdraw", include_in_schema=False)
def withdraw(application_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form_of(router, session)
    application = applications.find(stores(), application_id)
    intake.withdraw(stores(), application_id, session.caller)
    return redirect(link(f"/console/visits/{application.visit_id}", done="withdrawn") + "#applicants")


# --- the programme team's tools for a real year (issue 12's services) ----------------------------

@router.post("/console/visits/<visit_id>/attendance", include_in_schema=False)
def record_attendance(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    body: dict[str, list[str]] = {"attended": [], "absent": []}
    for name, values in form.items():
        if name.startswith("attendance-") and values[0] in ("attended", "absent"):
            body[values[0]].append(name.removeprefix("attendance-"))
    problem = None if body["attended"] or body["absent"] else "Choose “Attended” or “Did not come” for at least one visitor"
    if problem is None:
        try:
            attendance.record(stores(), visit_id, body)
        except Invalid as error:
            problem = forms.field_errors({"attendance": "; ".join(error.fields.values())})["attendance"]
        except Conflict as error:
            return _visit_problem(session, visit_id, error)
    if problem:
        return page("console/visit.html", session, status=422, detail=overview.visit_detail(stores(), visit_id),
                    done=None, errors={"attendance": problem})
    return redirect(link(f"/console/visits/{visit_id}", done="attendance") + "#attendance")


@router.get("/console/applications/<application_id>/substitute", include_in_schema=False)
def substitute_form(application_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    return _substitute_page(session, applications.find(stores(), application_id), forms.person_values(), {}, 200)


@router.post("/console/applications/<application_id>/substitute", include_in_schema=False)
def substitute(application_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    application = applications.find(stores(), application_id)
    return substitute_from_form(session, form, application, page_again=_substitute_page,
                                done=link(f"/console/visits/{application.visit_id}", done="substituted") + "#applicants")


def _substitute_page(session, application, values: dict, errors: dict, status: int):
    path = f"/console/applications/{application.application_id}/substitute"
    return page("console/substitute.html", session, status=status, application=application,
                visit=visits.find(stores(), application.visit_id), values=values, errors=errors, action=link(path),
                back=link(f"/console/visits/{application.visit_id}") + "#applicants")


@router.post("/console/visits/<visit_id>/resend", include_in_schema=False)
def resend_email(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form = form_of(router, session)
    try:
        resend.resend(stores(), visit_id, first(form, "kind"), first(form, "occasion"), first(form, "to"))
    except (Conflict, NotFound) as error:
        return _visit_problem(session, visit_id, error)
    return redirect(link(f"/console/visits/{visit_id}", done="resent") + "#timeline")


@router.post("/console/applications/<application_id>/reissue", include_in_schema=False)
def reissue_links(application_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    form_of(router, session)
    application = applications.find(stores(), application_id)
    try:
        resend.reissue(stores(), application_id)
    except Conflict as error:
        return _visit_problem(session, application.visit_id, error)
    return redirect(link(f"/console/visits/{application.visit_id}", done="reissued") + "#applicants")


def _visit_problem(session, visit_id: str, error: ProgrammeError):
    """The visit's page again, saying above everything why the action could not be done (nothing was)."""
    return page("console/visit.html", session, status=error.status, detail=overview.visit_detail(stores(), visit_id),
                done=None, errors=forms.field_errors({"body": error.message}))


@router.post("/console/visits/<visit_id>/material", include_in_schema=False)
def upload_material(visit_id: Annotated[str, Path()]):
    session = signed_in(router, coordinator=True)
    _, files = upload_of(router, session, raw_body(router))
    problem = "Choose a file to upload" if not files else None
    status = 422
    for filename, content, content_type in files:
        try:
            material.upload(stores(), visit_id, filename.replace("\\", "/").rsplit("/", 1)[-1], content, content_type)
        except Invalid as error:
            problem = "; ".join(error.fields.values())
        except (PayloadTooLarge, UnsupportedMediaType, Conflict) as error:
            problem, status = error.message, error.status
    if problem:
        return page("console/visit.html", session, status=status, detail=overview.visit_detail(stores(), visit_id),
                    done=None, errors={"material": problem[:1].upper() + problem[1:]})
    return redirect(link(f"/console/visits/{visit_id}", done="material") + "#material")
