"""The CDK app: `python -m infra.app` (what cdk.json runs) synthesizes the stack offline.

Deterministic: no AWS calls (the stack is environment-agnostic), no git, no clock. The
context of cdk.json (feature flags) is applied here too, so running the module directly
(`CDK_OUTDIR=cdk.out .venv/bin/python -m infra.app`) gives the same template as `cdk synth`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Mapping

from aws_cdk import App

from infra.config import STACK_NAME, AppConfig, MissingContext
from infra.mail import MAIL_STACK_NAME, MailStack
from infra.nag import add_checks
from infra.stack import PeerLearningVisitsStack

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    return dict(json.loads(CDK_JSON.read_text()).get("context", {}))


def build_app(*, context: Mapping[str, Any] | None = None, outdir: str | None = None,
              nag: bool = True) -> tuple[App, PeerLearningVisitsStack]:
    """The app and its stack. `context` adds to (and overrides) cdk.json's; the CLI's own
    context (`-c`, CDK_CONTEXT_JSON) still wins over both."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    config = AppConfig.from_context(app)
    mail = MailStack(app, MAIL_STACK_NAME, config=config,
                     description="Peer learning visits: the SES identity (DKIM) and configuration set")
    stack = PeerLearningVisitsStack(
        app, STACK_NAME, config=config, mail=mail,
        description="Peer learning visits: API, events, schedules, mail (see shared/topology.py)")
    if nag:
        add_checks(app)
    return app, stack


def main() -> int:
    try:
        app, _ = build_app()
    except MissingContext as missing:
        print(f"infra.app: {missing}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
