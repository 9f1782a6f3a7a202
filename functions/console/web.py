"""What every page of the console and the members' area shares: who is signed in, forms and their
CSRF token, redirects, and rendering a page with the signed-in layout.

A page route is an HTTP concern like a JSON route: it reads the session (`signed_in`), turns a
form into the same body the JSON route takes, calls the same service, and answers a page or a
redirect (303 after a POST, so a reload never repeats the action).
"""
from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared import session as sessions
from shared.deferred import Deferred, later
from shared.errors import Conflict, Forbidden, Invalid, ProgrammeError
from shared.pages import html_response, render_page

Form = dict[str, list[str]]
# Imported on the first substitution (shared/deferred.py): no page but that one pays for them.
_substitution = Deferred("shared.services.substitution")
_stores = later("shared.store:stores")


class Redirect(Exception):
    """Answer a redirect (from deep inside a page route)."""

    def __init__(self, location: str, status: int = 303, cookies: tuple[str, ...] = ()) -> None:
        super().__init__(location)
        self.location, self.status, self.cookies = location, status, cookies


def redirect(location: str, status: int = 303, cookies: tuple[str, ...] = ()) -> Response:
    headers: dict[str, str | list[str]] = {"Location": location, "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = list(cookies)
    return Response(status_code=status, content_type="text/plain; charset=utf-8", body="", headers=headers)


def link(path: str, **query: str | None) -> str:
    """A page's own URL (with the API stage in front in AWS) and its query."""
    given = {k: v for k, v in query.items() if v is not None}
    return sessions.base_path() + path + (f"?{urlencode(given)}" if given else "")


def current_path(router: APIGatewayRouter) -> str:
    """The request's path and query, as `next` after signing in."""
    event = router.current_event
    query = event.query_string_parameters or {}
    return event.path + (f"?{urlencode(query)}" if query else "")


def signed_in(router: APIGatewayRouter, *, coordinator: bool = False) -> sessions.Session:
    """The session, or a redirect to sign-in (a GET comes back to the same page afterwards);
    a signed-in member on a coordinators' page is a 403."""
    session = sessions.current(router.current_event.headers)
    if session is None:
        back = current_path(router) if router.current_event.http_method == "GET" else \
            ("/console" if coordinator else "/members")
        raise Redirect(sessions.sign_in_location(back), status=303)
    if coordinator and not session.caller.is_coordinator:
        raise Forbidden("this page is for the programme's coordinators; members use the members' pages")
    return session


def form_of(router: APIGatewayRouter, session: sessions.Session) -> Form:
    """The posted form, once its CSRF token matches the session's (else 403)."""
    form = parse_qs(router.current_event.decoded_body or "", keep_blank_values=True)
    if not sessions.csrf_ok(session, first(form, sessions.CSRF_FIELD)):
        raise Forbidden("this form has expired or did not come from this site: go back, reload the page "
                        "and try again")
    return form


def first(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0]


def query(router: APIGatewayRouter, name: str) -> str:
    return (router.current_event.query_string_parameters or {}).get(name) or ""


def page(template: str, session: sessions.Session | None, *, status: int = 200, **context: Any) -> Response:
    """A signed-in page: the layout knows who is signed in and every form gets the CSRF token."""
    return html_response(status, render_page(template, session=session, csrf=session.csrf if session else "",
                                             csrf_field=sessions.CSRF_FIELD, base=sessions.base_path(),
                                             **context))


def refused(act: Callable[[], object], form_again: Callable[[dict[str, str], int], Response]) -> Response | None:
    """Do what a form asks; if the service refuses it, the form again: 422 naming the fields wrong, or 409
    with the reason above the form (already applied, no place to hand on, the visit has started). None: done."""
    from functions.console.forms import field_errors

    try:
        act()
    except Invalid as error:
        return form_again(field_errors(error.fields), 422)
    except Conflict as error:
        return form_again(field_errors({"body": error.message}), 409)
    return None


def substitute_from_form(session: sessions.Session, form: Form, application, *, page_again: Callable[..., Response],
                         done: str) -> Response:
    """Hand the application's place to the colleague the substitute form names (members' and coordinators'
    pages alike): the form again, as `page_again` draws it, if refused; else on to `done`."""
    from functions.console.forms import person_body, person_values

    values = person_values(form)
    again = refused(lambda: _substitution.substitute(_stores(), application.application_id,
                                                     person_body(form, questions_required=False), session.caller),
                    lambda errors, status: page_again(session, application, values, errors, status))
    return again or redirect(done)


def problem_page(error: ProgrammeError, session: sessions.Session | None = None) -> Response:
    headings = {401: "Please sign in", 403: "You may not do this", 404: "Not found",
                409: "This cannot be done now", 422: "Please check what you entered"}
    return page("console/problem.html", session, status=error.status,
                heading=headings.get(error.status, "Something went wrong"), message=error.message)


def csv_response(filename: str, text: str) -> Response:
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=text,
                    headers={"Content-Disposition": f'attachment; filename="{quote(filename)}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def upload_of(router: APIGatewayRouter, session: sessions.Session, raw: bytes) -> tuple[Form, list[tuple[str, bytes, str]]]:
    """A posted multipart form (a file upload): its fields and its files (name, content, declared
    type), once its CSRF token matches the session's (else 403)."""
    content_type = next((v for k, v in router.current_event.headers.items() if k.lower() == "content-type"), "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise Forbidden("send the file with the page's form")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: Form = {}
    files: list[tuple[str, bytes, str]] = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition") or ""
        filename = part.get_filename()
        content = part.get_payload(decode=True) or b""
        if filename is not None:
            if filename or content:
                files.append((filename, content, part.get_content_type()))
        else:
            fields.setdefault(name, []).append(content.decode("utf-8", "replace"))
    if not sessions.csrf_ok(session, first(fields, sessions.CSRF_FIELD)):
        raise Forbidden("this form has expired or did not come from this site: go back, reload the page "
                        "and try again")
    return fields, files
