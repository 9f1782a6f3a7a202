"""The process environment of the local stack, set before any boto3 client exists.

Every variable of `shared.settings.Settings` is set here (the local stack owns its process),
plus fake credentials and the Powertools switches a developer machine wants.
"""
from __future__ import annotations

import os
import secrets

REGION = "eu-west-2"
ACCOUNT_ID = "123456789012"  # moto's default account

TABLE_NAME = "peer-learning-visits-local"
IDEMPOTENCY_TABLE_NAME = "peer-learning-visits-local-idempotency"
EVENT_BUS_NAME = "peer-learning-visits-local"
BUCKET_NAME = "peer-learning-visits-local-documents"
MAIL_FROM = "programme@peer-learning.example"
PROGRAMME_TEAM_EMAIL = "visits-team@peer-learning.example"

# Variables that would send boto3 elsewhere or make it read a developer's real profile.
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "AWS_ROLE_ARN",
          "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "USER_POOL_ISSUER", "USER_POOL_CLIENT_ID")


def configure(port: int, token_secret: str | None = None) -> dict[str, str]:
    """Set the environment for a local stack answering on `port`; returns what was set."""
    values = {
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        # botocore >= 1.36 sends DynamoDB (Streams) calls to account-specific endpoints that the
        # in-process mock does not know.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TABLE_NAME": TABLE_NAME, "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE_NAME,
        "EVENT_BUS_NAME": EVENT_BUS_NAME, "BUCKET_NAME": BUCKET_NAME, "MAIL_FROM": MAIL_FROM,
        "PROGRAMME_TEAM_EMAIL": PROGRAMME_TEAM_EMAIL,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LOCAL_TOKEN_SECRET": token_secret or secrets.token_urlsafe(32),
        "POWERTOOLS_SERVICE_NAME": "peer-learning-visits",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL") or "WARNING",
        "POWERTOOLS_DEV": "false",
    }
    for name in _UNSET:
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
        os.environ.pop(name, None)
    os.environ.update(values)
    # Settings are read once per process: forget any earlier reading.
    from shared.settings import settings

    settings.cache_clear()
    return values
