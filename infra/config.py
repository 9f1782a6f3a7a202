"""Deployment settings, read from CDK context (`-c key=value` or cdk.json), with defaults.

Nothing here reaches out to AWS, git or the network: synth stays deterministic and offline.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from constructs import Construct

STACK_NAME = "PeerLearningVisits"
# Matches shared/observability.py (which passes them explicitly as well).
SERVICE_NAME = "peer-learning-visits"
METRICS_NAMESPACE = "PeerLearningVisits"

DEFAULT_MAIL_FROM = "no-reply@example.org"
DEFAULT_RETENTION_DAYS = 730  # personal data: visit end + 2 years (shared/settings.py RETENTION_DAYS)


@dataclass(frozen=True)
class AppConfig:
    mail_from: str
    # "" means: the API's own URL (visitors' links are served by `GET/POST /links/{token}`).
    public_base_url: str
    retention_days: int
    # Cognito Plus plan with threat protection enforced (costs per monthly active user).
    threat_protection: bool
    # "required" (TOTP for everyone) or "optional" (users may enrol TOTP).
    mfa: str
    # Optional address subscribed to the alarm topic.
    alarm_email: str
    # The programme team named by every email (blank: the defaults of shared/settings.py).
    programme_team_name: str = ""
    programme_team_email: str = ""   # Reply-To and coordinators' alerts; blank: mail_from's address
    programme_team_contact: str = ""  # the contact line at the foot of every email

    @property
    def mail_from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @property
    def mail_from_domain(self) -> str:
        return self.mail_from_address.rpartition("@")[2]

    @classmethod
    def from_context(cls, scope: Construct) -> "AppConfig":
        def get(key: str, default):
            value = scope.node.try_get_context(key)
            return default if value is None or value == "" else value

        config = cls(
            mail_from=str(get("mail_from", DEFAULT_MAIL_FROM)),
            public_base_url=str(get("public_base_url", "")).rstrip("/"),
            retention_days=int(get("retention_days", DEFAULT_RETENTION_DAYS)),
            threat_protection=_flag(get("threat_protection", False)),
            mfa=str(get("mfa", "required")).lower(),
            alarm_email=str(get("alarm_email", "")),
            programme_team_name=str(get("programme_team_name", "")),
            programme_team_email=str(get("programme_team_email", "")),
            programme_team_contact=str(get("programme_team_contact", "")),
        )
        if "@" not in config.mail_from_address:
            raise ValueError(f"context mail_from must be an email address, got {config.mail_from!r}")
        if config.programme_team_email and "@" not in config.programme_team_email:
            raise ValueError(f"context programme_team_email must be an email address, got {config.programme_team_email!r}")
        if config.mfa not in ("required", "optional"):
            raise ValueError(f"context mfa must be 'required' or 'optional', got {config.mfa!r}")
        return config


def _flag(value) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes", "on")
