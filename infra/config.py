"""Deployment settings, read from CDK context (`-c key=value`, cdk.context.json or cdk.json).

Nothing here reaches out to AWS, git or the network: synth stays deterministic and offline.
What the service cannot work without has no default: a synth without it stops with an error
that names the missing key and shows how to pass it (see docs/OPERATIONS.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from constructs import Construct

STACK_NAME = "PeerLearningVisits"
# Matches shared/observability.py (which passes them explicitly as well).
SERVICE_NAME = "peer-learning-visits"
METRICS_NAMESPACE = "PeerLearningVisits"


def pascal(name: str) -> str:
    """A topology name as construct ids and output keys spell it ("allocation-run" -> "AllocationRun");
    the stack names its constructs and outputs with it, and the operator tools find them by it."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))

# Personal data: 12 months after a visit's follow-up ends (shared/domain/retention.py); the bucket's
# objects (reports, material) expire as long after they were written.
DEFAULT_RETENTION_DAYS = 365

# Context that `make synth` passes so that the app synthesizes without a real deployment's
# values; never used by `make deploy` (docs/OPERATIONS.md, "Deploy").
EXAMPLE_CONTEXT = {
    "mail_from": "Peer Learning Visits <visits@example.org>",
    "programme_team_email": "programme-team@example.org",
}
REQUIRED = {
    "mail_from": "the sender of every email, 'Name <address>' or an address, on a domain you control "
                 "(the stack creates its SES identity with DKIM)",
    "programme_team_email": "the programme team's address: replies, alerts and every email's contact line",
}
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


class MissingContext(ValueError):
    """A deployment setting without which the service cannot work was not given."""


@dataclass(frozen=True)
class AppConfig:
    mail_from: str
    programme_team_email: str
    # How emails name the team and how to reach it ("" = the sender's display name / nothing more).
    programme_team_name: str
    programme_team_contact: str
    # "" means: the API's own URL (visitors' links are served by `GET/POST /links/{token}`).
    public_base_url: str
    retention_days: int
    # Cognito Plus plan with threat protection enforced (costs per monthly active user).
    threat_protection: bool
    # "required" (TOTP for everyone) or "optional" (users may enrol TOTP).
    mfa: str
    # Optional address subscribed to the alarm topic.
    alarm_email: str
    # Browser origins (scheme://host[:port]) allowed to call the API (a members' area elsewhere).
    cors_origins: tuple[str, ...]
    # The managed login's domain: https://<prefix>.auth.<region>.amazoncognito.com ("" = derived
    # from the account id, unique per account and region).
    auth_domain_prefix: str

    @property
    def mail_from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @property
    def mail_from_name(self) -> str:
        return parseaddr(self.mail_from)[0]

    @property
    def mail_from_domain(self) -> str:
        return self.mail_from_address.rpartition("@")[2]

    @classmethod
    def from_context(cls, scope: Construct) -> "AppConfig":
        def get(key: str, default):
            value = scope.node.try_get_context(key)
            return default if value is None or value == "" else value

        missing = [key for key in REQUIRED if not str(get(key, "")).strip()]
        if missing:
            raise MissingContext(
                "missing deployment context: " + ", ".join(missing) + "\n"
                + "\n".join(f"  {key}: {REQUIRED[key]}" for key in missing) + "\n"
                "pass them with -c, e.g. npx cdk deploy "
                + " ".join(f"-c {key}=..." for key in missing)
                + " (or in cdk.context.json); docs/OPERATIONS.md lists every key")
        config = cls(
            mail_from=str(get("mail_from", "")).strip(),
            programme_team_email=str(get("programme_team_email", "")).strip(),
            programme_team_name=str(get("programme_team_name", "")).strip(),
            programme_team_contact=str(get("programme_team_contact", "")).strip(),
            public_base_url=str(get("public_base_url", "")).rstrip("/"),
            retention_days=int(get("retention_days", DEFAULT_RETENTION_DAYS)),
            threat_protection=_flag(get("threat_protection", False)),
            mfa=str(get("mfa", "required")).lower(),
            alarm_email=str(get("alarm_email", "")),
            cors_origins=_origins(get("cors_origins", ())),
            auth_domain_prefix=str(get("auth_domain_prefix", "")).lower(),
        )
        for key, address in (("mail_from", config.mail_from_address),
                             ("programme_team_email", config.programme_team_email),
                             ("alarm_email", config.alarm_email)):
            if address and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
                raise ValueError(f"context {key} must be an email address, got {address!r}")
        if config.mfa not in ("required", "optional"):
            raise ValueError(f"context mfa must be 'required' or 'optional', got {config.mfa!r}")
        if config.auth_domain_prefix and (not _DOMAIN_PREFIX.match(config.auth_domain_prefix)
                                          or "aws" in config.auth_domain_prefix
                                          or "cognito" in config.auth_domain_prefix):
            raise ValueError("context auth_domain_prefix must be lowercase letters, digits and hyphens "
                             f"without 'aws' or 'cognito', got {config.auth_domain_prefix!r}")
        if config.public_base_url and not config.public_base_url.startswith("https://"):
            raise ValueError(f"context public_base_url must start with https://, got {config.public_base_url!r}")
        return config


def _flag(value) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


def _origins(value) -> tuple[str, ...]:
    """A list, or a comma-separated string (what `-c cors_origins=a,b` gives)."""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    origins = tuple(dict.fromkeys(str(o).strip().rstrip("/") for o in items if str(o).strip()))
    for origin in origins:
        if origin == "*" or not _ORIGIN.match(origin):
            raise ValueError(f"context cors_origins: {origin!r} is not an origin such as https://members.example.org")
    return origins
