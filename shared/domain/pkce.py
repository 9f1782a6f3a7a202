"""OAuth 2.0 authorization code with PKCE (RFC 7636) against the user pool's managed login: pure."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

SCOPES = "openid email profile"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser keeps (in a short-lived HttpOnly cookie) between leaving for the login
    page and coming back to the callback."""

    state: str
    verifier: str
    next_path: str

    @classmethod
    def start(cls, next_path: str) -> PendingSignIn:
        # 32 random bytes: a 43-character verifier, the shortest RFC 7636 allows.
        return cls(state=_b64url(secrets.token_bytes(24)), verifier=_b64url(secrets.token_bytes(32)),
                   next_path=next_path)

    @property
    def challenge(self) -> str:
        return _b64url(hashlib.sha256(self.verifier.encode("ascii")).digest())

    def encode(self) -> str:
        return _b64url(json.dumps([self.state, self.verifier, self.next_path]).encode())

    @classmethod
    def decode(cls, value: str | None) -> PendingSignIn | None:
        if not value:
            return None
        try:
            state, verifier, next_path = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        except (ValueError, TypeError):
            return None
        if not all(isinstance(v, str) for v in (state, verifier, next_path)):
            return None
        return cls(state, verifier, next_path)


def authorize_url(domain: str, client_id: str, redirect_uri: str, pending: PendingSignIn) -> str:
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": SCOPES, "state": pending.state, "code_challenge": pending.challenge,
                       "code_challenge_method": "S256"})
    return f"{domain.rstrip('/')}/oauth2/authorize?{query}"


def token_request(client_id: str, code: str, redirect_uri: str, verifier: str) -> dict[str, str]:
    """The form body of the token endpoint's request (a public client: no secret, the verifier instead)."""
    return {"grant_type": "authorization_code", "client_id": client_id, "code": code,
            "redirect_uri": redirect_uri, "code_verifier": verifier}


def logout_url(domain: str, client_id: str, logout_uri: str) -> str:
    return f"{domain.rstrip('/')}/logout?{urlencode({'client_id': client_id, 'logout_uri': logout_uri})}"
