"""Environment settings, read and checked once per process (at first use, not at import)."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, ValidationError

from shared.domain.team import ProgrammeTeam
from shared.errors import ConfigurationError
from shared.models.base import Model


class Settings(Model):
    table_name: str = Field(alias="TABLE_NAME")
    idempotency_table_name: str = Field(alias="IDEMPOTENCY_TABLE_NAME")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    bucket_name: str = Field(alias="BUCKET_NAME")
    mail_from: str = Field(alias="MAIL_FROM")
    # Where visitors' email links point (the members' site or the API itself).
    public_base_url: str = Field(alias="PUBLIC_BASE_URL")
    # How the bearer token of optional-auth (public) routes is verified.
    # In AWS: the user pool's JWKS; locally: the local stack's shared secret.
    user_pool_issuer: str = Field(default="", alias="USER_POOL_ISSUER")
    user_pool_client_id: str = Field(default="", alias="USER_POOL_CLIENT_ID")
    local_token_secret: str = Field(default="", alias="LOCAL_TOKEN_SECRET")
    # The user pool's managed login (https://<prefix>.auth.<region>.amazoncognito.com, or a custom
    # domain) where people sign in to the console and members' pages (authorization code + PKCE).
    auth_base_url: str = Field(default="", alias="AUTH_BASE_URL")
    # Personal data is kept this long after a visit's follow-up ends (shared/domain/retention.py).
    retention_days: int = Field(default=365, alias="RETENTION_DAYS")
    # The programme team every email comes from (display name), answers to (Reply-To) and names
    # in its footer. Blank: a generic name, MAIL_FROM's address, a line naming that address.
    programme_team_name: str = Field(default="", alias="PROGRAMME_TEAM_NAME")
    programme_team_email: str = Field(default="", alias="PROGRAMME_TEAM_EMAIL")
    programme_team_contact: str = Field(default="", alias="PROGRAMME_TEAM_CONTACT")

    @property
    def programme_team(self) -> ProgrammeTeam:
        return ProgrammeTeam.of(name=self.programme_team_name, email=self.programme_team_email or self.mail_from,
                                contact=self.programme_team_contact)

    @property
    def retention(self) -> timedelta:
        """How long personal data is kept after the visit's follow-up (shared/domain/retention.py)."""
        return timedelta(days=self.retention_days)


@lru_cache(maxsize=1)
def settings() -> Settings:
    import os

    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:  # fail loudly at cold start, naming the variable
        missing = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise ConfigurationError(f"missing or invalid environment variables: {missing}") from exc
