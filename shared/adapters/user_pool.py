"""The user pool's token endpoint: an authorization code (with its PKCE verifier) for tokens."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from shared.domain.pkce import token_request

TIMEOUT_SECONDS = 5


class SignInFailed(Exception):
    pass


def exchange_code(domain: str, client_id: str, code: str, redirect_uri: str, verifier: str) -> str:
    """The ID token for an authorization code; SignInFailed if the user pool refuses it."""
    body = urlencode(token_request(client_id, code, redirect_uri, verifier)).encode()
    request = urllib.request.Request(f"{domain.rstrip('/')}/oauth2/token", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https from settings
            answer = json.loads(response.read())
    except (urllib.error.URLError, ValueError, OSError) as error:
        raise SignInFailed(f"the user pool did not exchange the code: {error}") from error
    token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(token, str):
        raise SignInFailed("the user pool answered without an ID token")
    return token
