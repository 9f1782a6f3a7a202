"""Signed-in people in a browser: the session cookie, its CSRF token, and where sign-in starts.

The session IS the person's ID token (a Cognito ID token in AWS, the local stack's stand-in
locally), kept in an `HttpOnly; Secure; SameSite=Lax` cookie and verified on every request
exactly as a bearer token is (`shared.auth.verify_token`): one way to know who is calling,
no session store, and a session ends when its token does (Cognito's own login session then
signs the person straight back in).

Every form carries a CSRF token derived from the session token (HMAC): a page on another
site can neither read the cookie nor compute the token, and the token changes with the session.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlsplit

from shared.auth import Caller, caller_from_claims, verify_token
from shared.settings import settings
from shared import topology

COOKIE = "plv_session"
# While a sign-in is under way: the PKCE verifier, the state and where to go next.
SIGN_IN_COOKIE = "plv_sign_in"
CSRF_FIELD = "csrf_token"
# Both registered on the app client by the CDK app.
CALLBACK_PATH = topology.SIGN_IN_CALLBACK_PATH
SIGNED_OUT_PATH = topology.SIGNED_OUT_PATH
SIGN_IN_PATH = "/console/sign-in"
LOCAL_SIGN_IN_PATH = "/_local/sign-in"


@dataclass(frozen=True)
class Session:
    caller: Caller
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def cookies(headers: dict[str, str] | None) -> dict[str, str]:
    """The request's cookies by name (a malformed Cookie header counts as none)."""
    jar: SimpleCookie = SimpleCookie()
    for name, value in (headers or {}).items():
        if name.lower() == "cookie" and value:
            try:
                jar.load(value)
            except CookieError:
                return {}
    return {name: morsel.value for name, morsel in jar.items()}


def current(headers: dict[str, str] | None) -> Session | None:
    """The signed-in person of this request, or None (no cookie, a bad or expired token)."""
    token = cookies(headers).get(COOKIE)
    if not token:
        return None
    import jwt  # with the first session cookie: not on a cold start (the console's pages also serve anyone)

    try:
        caller = caller_from_claims(verify_token(token))
    except jwt.InvalidTokenError:
        return None
    return Session(caller, token) if caller else None


def csrf_token(session_token: str) -> str:
    digest = hmac.new(session_token.encode(), b"csrf-v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")


def _cookie(name: str, value: str, max_age: int) -> str:
    return f"{name}={value}; Path=/; Max-Age={max(0, max_age)}; HttpOnly; Secure; SameSite=Lax"


def session_cookie(token: str, lifetime_seconds: int) -> str:
    """Set-Cookie for a session holding this (already verified) ID token."""
    return _cookie(COOKIE, token, lifetime_seconds)


def clear_session_cookie() -> str:
    return _cookie(COOKIE, "", 0)


def sign_in_cookie(value: str, lifetime_seconds: int = 600) -> str:
    return _cookie(SIGN_IN_COOKIE, value, lifetime_seconds)


def clear_sign_in_cookie() -> str:
    return _cookie(SIGN_IN_COOKIE, "", 0)


def safe_next(path: str | None, default: str = "/console") -> str:
    """Only a path on this site (never `//elsewhere` or a full URL): no open redirect."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return default
    return path


def base_path() -> str:
    """The path every page link starts with: the API stage (`/prod`) in AWS, nothing locally."""
    return urlsplit(settings().public_base_url).path.rstrip("/")


def sign_in_location(next_path: str) -> str:
    """Where someone without a session goes: the local stack's sign-in, or Cognito's managed login."""
    target = LOCAL_SIGN_IN_PATH if settings().local_token_secret else base_path() + SIGN_IN_PATH
    return f"{target}?next={quote(next_path, safe='/')}"
