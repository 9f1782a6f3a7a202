"""Console function: the coordinators' console and the members' pages (HTML, signed in by a session cookie)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from aws_lambda_powertools.event_handler import Response

    from functions.console import members, programme, signing_in
    from functions.console.web import Redirect, problem_page, redirect
    from shared import session as sessions
    from shared.entry import api_function
    from shared.errors import ProgrammeError

app, handler = api_function(signing_in.router, programme.router, members.router)


@app.exception_handler(Redirect)
def _redirect(to: Redirect) -> Response:
    return redirect(to.location, status=to.status, cookies=to.cookies)


@app.exception_handler(ProgrammeError)
def _problem(error: ProgrammeError) -> Response:
    """Every page answers a page, also when something cannot be done (never JSON to a browser)."""
    return problem_page(error, sessions.current(app.current_event.headers))
