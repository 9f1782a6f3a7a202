"""Who is calling: claims from the API Gateway Cognito authorizer, or a bearer token we verify.

Routes behind the authorizer get verified claims in the request context. Public routes (which
may still show more to a signed-in caller) verify the bearer token here, the same way: a Cognito
ID token against the user pool's keys in AWS, the local stack's HS256 secret on one machine.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from shared.settings import settings

if TYPE_CHECKING:
    import jwt

# PyJWT (with cryptography, ~90 ms) is imported only by the calls that verify or sign a token:
# routes behind the authorizer get verified claims and never need it.

COORDINATORS = "coordinators"
LOCAL_ISSUER = "local-stack"
LOCAL_AUDIENCE = "local-stack-client"


@dataclass(frozen=True)
class Caller:
    email: str          # lower-cased
    name: str
    organisation: str   # as in the token ("" for none)
    groups: frozenset[str]

    @property
    def is_coordinator(self) -> bool:
        return COORDINATORS in self.groups


def parse_groups(value: object) -> frozenset[str]:
    """API Gateway hands `cognito:groups` over as a string ("a,b" or "[a b]"); a JWT as a list."""
    if not value:
        return frozenset()
    if isinstance(value, (list, tuple)):
        return frozenset(str(v) for v in value)
    text = str(value).strip().strip("[]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def caller_from_claims(claims: dict) -> Caller | None:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None
    return Caller(
        email=email,
        name=str(claims.get("name") or email.split("@")[0]),
        organisation=str(claims.get("custom:organisation") or "").strip(),
        groups=parse_groups(claims.get("cognito:groups")),
    )


def verify_token(token: str) -> dict:
    """The claims of a valid ID token; raises jwt.InvalidTokenError otherwise."""
    import jwt

    config = settings()
    if config.local_token_secret:
        return jwt.decode(token, config.local_token_secret, algorithms=["HS256"],
                          audience=LOCAL_AUDIENCE, issuer=LOCAL_ISSUER)
    key = _jwks(config.user_pool_issuer).get_signing_key_from_jwt(token).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=config.user_pool_client_id,
                        issuer=config.user_pool_issuer)
    if claims.get("token_use") != "id":
        raise jwt.InvalidTokenError("not an ID token")
    return claims


def issue_local_token(secret: str, *, email: str, name: str, organisation: str, groups: list[str],
                      issued_at: int, lifetime_seconds: int = 86400) -> str:
    """A local stand-in for a Cognito ID token (same claims), signed with the local secret."""
    import jwt

    claims = {"sub": email.lower(), "email": email, "name": name, "custom:organisation": organisation,
              "cognito:groups": groups, "token_use": "id", "iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE,
              "iat": issued_at, "exp": issued_at + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


@lru_cache(maxsize=1)
def _jwks(issuer: str) -> jwt.PyJWKClient:
    import jwt

    return jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
