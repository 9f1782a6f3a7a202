"""Signing in to the console in AWS: authorization code with PKCE against a stand-in user pool.

The stand-in answers the managed login's token endpoint (checking the code, the redirect URI
and that the verifier hashes to the challenge the browser was sent with) and its JWKS, with an
RS256 ID token as Cognito signs it. The console function is invoked as API Gateway would.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import session as sessions
from shared.settings import settings
from tests.helpers import api_event, Context

CLIENT_ID = "console-client"
BASE = "https://api.example/prod"
CODE = "the-one-code"


class UserPool:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.challenges: dict[str, str] = {}     # code → the challenge it was issued for
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def id_token(self, **claims) -> str:
        now = int(time.time())
        body = {"sub": "u-1", "email": "cora@programme.example", "name": "Cora", "cognito:groups": ["coordinators"],
                "token_use": "id", "iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 3600} | claims
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "k1"})

    def _handler(self):
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pool.key.public_key()))
                self._send(200, {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

            def do_POST(self):
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                verifier = form.get("code_verifier", "")
                hashed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                ok = (self.path == "/oauth2/token" and form.get("grant_type") == "authorization_code"
                      and form.get("client_id") == CLIENT_ID and form.get("redirect_uri") == BASE + "/console/callback"
                      and pool.challenges.get(form.get("code", "")) == hashed)
                self._send(200, {"id_token": pool.id_token(), "token_type": "Bearer"}) if ok else \
                    self._send(400, {"error": "invalid_grant"})

        return Handler


@pytest.fixture
def user_pool(monkeypatch):
    pool = UserPool()
    for name, value in {"LOCAL_TOKEN_SECRET": "", "USER_POOL_ISSUER": pool.url, "USER_POOL_CLIENT_ID": CLIENT_ID,
                        "AUTH_BASE_URL": pool.url, "PUBLIC_BASE_URL": BASE}.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    yield pool
    pool.server.shutdown()
    settings.cache_clear()


def get(path: str, query: dict | None = None, cookie: str = "") -> dict:
    from functions.console.handler import handler

    return handler(api_event("GET", path, path, query=query, headers={"Cookie": cookie} if cookie else {}), Context())


def set_cookies(answer: dict) -> dict[str, str]:
    values = answer.get("multiValueHeaders", {}).get("Set-Cookie", [])
    return {v.split("=", 1)[0]: v for v in values}


def test_sign_in_goes_to_the_managed_login_with_a_challenge_and_comes_back_signed_in(user_pool, aws):
    started = get("/console/sign-in", {"next": "/console/visits/v1"})
    assert started["statusCode"] == 302
    location = urlsplit(started["multiValueHeaders"]["Location"][0])
    asked = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == user_pool.url + "/oauth2/authorize"
    assert asked["code_challenge_method"] == "S256" and asked["redirect_uri"] == BASE + "/console/callback"
    pending = set_cookies(started)[sessions.SIGN_IN_COOKIE]
    assert "HttpOnly" in pending and "Secure" in pending and "SameSite=Lax" in pending
    user_pool.challenges[CODE] = asked["code_challenge"]  # the user signed in: the pool issues the code

    cookie = pending.split(";", 1)[0]
    back = get("/console/callback", {"code": CODE, "state": asked["state"]}, cookie=cookie)
    assert back["statusCode"] == 303
    assert back["multiValueHeaders"]["Location"] == ["/prod/console/visits/v1"]  # the API's stage kept
    session = set_cookies(back)[sessions.COOKIE]
    assert "HttpOnly" in session and "Secure" in session and "SameSite=Lax" in session
    signed_in = get("/console", cookie=session.split(";", 1)[0])
    assert signed_in["statusCode"] == 200 and "Signed in as Cora" in signed_in["body"]


def test_a_callback_with_another_state_or_a_wrong_verifier_signs_nobody_in(user_pool, aws):
    started = get("/console/sign-in", {"next": "/members"})
    asked = {k: v[0] for k, v in parse_qs(urlsplit(started["multiValueHeaders"]["Location"][0]).query).items()}
    cookie = set_cookies(started)[sessions.SIGN_IN_COOKIE].split(";", 1)[0]
    forged = get("/console/callback", {"code": CODE, "state": "someone-elses"}, cookie=cookie)
    assert forged["statusCode"] == 400 and sessions.COOKIE not in set_cookies(forged)
    user_pool.challenges[CODE] = "a-challenge-from-another-browser"
    stolen = get("/console/callback", {"code": CODE, "state": asked["state"]}, cookie=cookie)
    assert stolen["statusCode"] == 400 and sessions.COOKIE not in set_cookies(stolen)
    assert "Sign-in did not work" in stolen["body"]


def test_without_a_session_pages_redirect_to_sign_in_and_keep_where_they_were(user_pool, aws):
    answer = get("/console/visits/v1")
    assert answer["statusCode"] == 303
    assert answer["multiValueHeaders"]["Location"] == ["/prod/console/sign-in?next=/console/visits/v1"]


def test_a_member_is_refused_the_console(user_pool, aws):
    token = user_pool.id_token(**{"cognito:groups": [], "custom:organisation": "Kent Police"})
    answer = get("/console", cookie=f"{sessions.COOKIE}={token}")
    assert answer["statusCode"] == 403 and "text/html" in answer["multiValueHeaders"]["Content-Type"][0]
    assert get("/members", cookie=f"{sessions.COOKIE}={token}")["statusCode"] == 200
