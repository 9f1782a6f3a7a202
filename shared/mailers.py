"""The mailer in use: SES's, from the programme team's address, built on the first send (nothing
SES-related is imported before), unless a test or tool chose another with `use(...)`.

This is where the real mailer is chosen, as `shared/store/__init__.py` chooses the stores: the
services send through `mailer()` and never name an adapter.
"""
from __future__ import annotations

from functools import lru_cache

from shared.models.email import Mailer
from shared.settings import settings

_chosen: Mailer | None = None


@lru_cache(maxsize=1)
def ses() -> Mailer:
    from shared.adapters.mailer import SesMailer

    team = settings().programme_team
    return SesMailer(sender=team.sender(settings().mail_from), reply_to=team.email)


def mailer() -> Mailer:
    """The mailer in use: SES's unless another was chosen."""
    return _chosen or ses()


def use(chosen: Mailer | None) -> None:
    """Choose the mailer (tests: a recording one; None: back to SES)."""
    global _chosen
    _chosen = chosen
