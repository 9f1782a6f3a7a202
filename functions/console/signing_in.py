"""Signing in and out of the console and the members' pages.

In AWS: the user pool's managed login, authorization code with PKCE (the app client is public:
no secret in the function). `/console/sign-in` keeps the verifier, a random state and where to
go next in a short-lived HttpOnly cookie and sends the browser to `/oauth2/authorize`;
`/console/callback` checks the state, exchanges the code (with the verifier) at `/oauth2/token`,
verifies the ID token as the API's authorizer would, and keeps it as the session cookie.
On the local stack, sign-in is `/_local/sign-in` (a local control) and ends in the same cookie.
"""
from __future__ import annotations

import time

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from functions.console.web import form_of, link, page, query, redirect
from shared import session as sessions
from shared.adapters import user_pool
from shared.auth import caller_from_claims, verify_token
from shared.domain.pkce import PendingSignIn, authorize_url, logout_url
from shared.observability import logger
from shared.settings import settings

router = APIGatewayRouter()


def _redirect_uri() -> str:
    return settings().public_base_url.rstrip("/") + sessions.CALLBACK_PATH


@router.get("/console/sign-in", include_in_schema=False)
def sign_in():
    next_path = sessions.safe_next(query(router, "next"))
    config = settings()
    if config.local_token_secret:
        return redirect(sessions.sign_in_location(next_path), status=302)
    if not (config.auth_base_url and config.user_pool_client_id):
        return page("console/problem.html", None, status=503, heading="Signing in is not available",
                    message="The sign-in page of this deployment is not configured (AUTH_BASE_URL). "
                            "Please tell the programme team.")
    pending = PendingSignIn.start(next_path)
    return redirect(authorize_url(config.auth_base_url, config.user_pool_client_id, _redirect_uri(), pending),
                    status=302, cookies=(sessions.sign_in_cookie(pending.encode()),))


@router.get("/console/callback", include_in_schema=False)
def callback():
    pending = PendingSignIn.decode(sessions.cookies(router.current_event.headers).get(sessions.SIGN_IN_COOKIE))
    code, state = query(router, "code"), query(router, "state")
    if pending is None or not code or state != pending.state:
        return _failed("The sign-in could not be completed (it took too long, or it was started elsewhere).")
    import jwt  # on the way back from signing in, not on a cold start

    config = settings()
    try:
        token = user_pool.exchange_code(config.auth_base_url, config.user_pool_client_id, code,
                                        _redirect_uri(), pending.verifier)
        claims = verify_token(token)
    except (user_pool.SignInFailed, jwt.InvalidTokenError) as error:
        logger.warning("sign-in failed", extra={"reason": str(error)})
        return _failed("The sign-in could not be completed.")
    if caller_from_claims(claims) is None:
        return _failed("Your account has no email address; please ask the programme team.")
    lifetime = int(claims.get("exp", 0)) - int(time.time())
    return redirect(link(pending.next_path), cookies=(sessions.session_cookie(token, lifetime),
                                                       sessions.clear_sign_in_cookie()))


def _failed(message: str):
    return page("console/problem.html", None, status=400, heading="Sign-in did not work",
                message=message, retry=link(sessions.SIGN_IN_PATH))


@router.post("/console/sign-out", include_in_schema=False)
def sign_out():
    session = sessions.current(router.current_event.headers)
    if session is not None:
        form_of(router, session)  # a page elsewhere may not sign someone out
    config = settings()
    signed_out = link(sessions.SIGNED_OUT_PATH)
    if config.auth_base_url and not config.local_token_secret:
        # Also end the managed login's own session, or the next sign-in would skip the password.
        signed_out = logout_url(config.auth_base_url, config.user_pool_client_id,
                                settings().public_base_url.rstrip("/") + sessions.SIGNED_OUT_PATH)
    return redirect(signed_out, cookies=(sessions.clear_session_cookie(),))


@router.get("/console/signed-out", include_in_schema=False)
def signed_out():
    return page("console/signed_out.html", None, sign_in=link(sessions.SIGN_IN_PATH, next="/console"),
                members=link(sessions.SIGN_IN_PATH, next="/members"))

