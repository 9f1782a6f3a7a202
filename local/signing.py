"""Requests to the embedded moto signed as botocore signs them, but for the signature's hashes.

botocore signs every request with SigV4: a canonical form of the request (headers sorted and
trimmed, the body hashed), a string to sign, and four chained HMACs, ~5% of a small call's time
locally and ~6% of the whole stack's time playing a programme. moto reads the Authorization
header for the access key (its account) and, where the URL names none, the region; it checks the
signature itself only when its IAM authorisation is switched on (`INITIAL_NO_AUTH_ACTION_COUNT`),
which the local stack never does. So, while moto's mock intercepts calls and its authorisation
is off, a request signed with plain SigV4 (DynamoDB, streams, SQS, EventBridge, SES) gets the
headers botocore gives it (X-Amz-Date, the session token, an Authorization header with the same
credential scope and signed headers) and a signature of the right shape that nothing reads.
Every other signer (S3's, presigned URLs) and every other case signs as botocore does.

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

from functools import wraps

_INSTALLED = "_local_stack_unchecked_signature"
UNCHECKED_SIGNATURE = "0" * 64  # a SigV4 signature is 64 hex digits


def install() -> None:
    from botocore.auth import SigV4Auth

    if getattr(SigV4Auth.add_auth, _INSTALLED, False):
        return
    original = SigV4Auth.add_auth

    @wraps(original)  # __wrapped__: botocore's own, for a test comparing both
    def add_auth(self, request):  # type: ignore[no-untyped-def]
        if type(self) is not SigV4Auth or self.credentials is None or not moto_ignores_signatures():
            return original(self, request)
        from botocore import auth

        request.context["timestamp"] = auth.get_current_datetime().strftime(auth.SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        self._inject_signature_to_request(request, UNCHECKED_SIGNATURE)

    setattr(add_auth, _INSTALLED, True)
    SigV4Auth.add_auth = add_auth  # type: ignore[method-assign]


def moto_ignores_signatures() -> bool:
    """moto's mock intercepts botocore's requests and checks no credentials."""
    try:
        from moto import settings
        from moto.core.models import botocore_stubber
    except ImportError:  # internals moved: sign as botocore does
        return False
    return bool(botocore_stubber.enabled) and settings.INITIAL_NO_AUTH_ACTION_COUNT == float("inf")
