"""The browser session: the cookie, its CSRF token, sign-in redirects and the PKCE flow's pieces."""
import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from shared import session as sessions
from shared.auth import issue_local_token
from shared.domain.pkce import PendingSignIn, authorize_url, logout_url, token_request
from shared.settings import settings


def token(**claims) -> str:
    values = {"email": "Cora@Programme.example", "name": "Cora", "organisation": "", "groups": ["coordinators"],
              "issued_at": int(time.time())} | claims
    return issue_local_token(settings().local_token_secret, **values)


def headers_with(cookie: str) -> dict:
    return {"Cookie": cookie}


def test_a_valid_session_cookie_is_the_caller_of_its_token():
    session = sessions.current(headers_with(f"other=1; {sessions.COOKIE}={token()}"))
    assert session is not None
    assert session.caller.email == "cora@programme.example" and session.caller.is_coordinator


@pytest.mark.parametrize("cookie", ["", f"{sessions.COOKIE}=", f"{sessions.COOKIE}=not-a-token",
                                    f"{sessions.COOKIE}={token(issued_at=int(time.time()) - 90000)}",  # expired
                                    'a="unterminated'])
def test_no_session_without_a_valid_unexpired_token(cookie):
    assert sessions.current(headers_with(cookie)) is None


def test_a_token_signed_with_another_secret_is_no_session():
    forged = issue_local_token("another-secret", email="cora@programme.example", name="Cora", organisation="",
                               groups=["coordinators"], issued_at=int(time.time()))
    assert sessions.current(headers_with(f"{sessions.COOKIE}={forged}")) is None


def test_csrf_token_is_bound_to_the_session():
    mine = sessions.current(headers_with(f"{sessions.COOKIE}={token()}"))
    other = sessions.current(headers_with(f"{sessions.COOKIE}={token(email='mo@kent.police.uk')}"))
    assert sessions.csrf_ok(mine, mine.csrf)
    assert not sessions.csrf_ok(mine, other.csrf)
    assert not sessions.csrf_ok(mine, "")
    assert not sessions.csrf_ok(mine, None)


def test_cookies_are_http_only_secure_and_lax():
    for cookie in (sessions.session_cookie("t", 60), sessions.clear_session_cookie(), sessions.sign_in_cookie("v")):
        assert "; HttpOnly" in cookie and "; Secure" in cookie and "; SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age=0" in sessions.clear_session_cookie()


@pytest.mark.parametrize("given,expected", [
    ("/console/visits/1?x=2", "/console/visits/1?x=2"), ("", "/console"), ("//evil.example/x", "/console"),
    ("https://evil.example/", "/console"), ("/\\evil.example", "/console"), ("console", "/console")])
def test_next_is_only_ever_a_path_on_this_site(given, expected):
    assert sessions.safe_next(given) == expected


def test_without_a_session_the_local_stack_sends_people_to_its_own_sign_in():
    assert sessions.sign_in_location("/console/visits/1") == "/_local/sign-in?next=/console/visits/1"


def test_pkce_challenge_is_the_s256_of_the_verifier_and_survives_the_cookie():
    pending = PendingSignIn.start("/members")
    assert 43 <= len(pending.verifier) <= 128 and pending.state
    expected = base64.urlsafe_b64encode(hashlib.sha256(pending.verifier.encode()).digest()).decode().rstrip("=")
    assert pending.challenge == expected
    assert PendingSignIn.decode(pending.encode()) == pending
    assert PendingSignIn.decode("garbage!") is None and PendingSignIn.decode(None) is None
    assert PendingSignIn.start("/x").state != PendingSignIn.start("/x").state


def test_authorize_url_asks_for_a_code_with_the_challenge():
    pending = PendingSignIn.start("/console")
    url = authorize_url("https://login.example.com/", "client-1", "https://api.example/prod/console/callback", pending)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://login.example.com/oauth2/authorize"
    assert query == {"response_type": "code", "client_id": "client-1",
                     "redirect_uri": "https://api.example/prod/console/callback", "scope": "openid email profile",
                     "state": pending.state, "code_challenge": pending.challenge, "code_challenge_method": "S256"}
    assert token_request("client-1", "c0de", "https://r", pending.verifier) == {
        "grant_type": "authorization_code", "client_id": "client-1", "code": "c0de", "redirect_uri": "https://r",
        "code_verifier": pending.verifier}
    assert logout_url("https://login.example.com", "client-1", "https://r/out") == \
        "https://login.example.com/logout?client_id=client-1&logout_uri=https%3A%2F%2Fr%2Fout"
