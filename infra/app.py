"""The CDK app: `python -m infra.app` (what cdk.json runs) synthesizes the stack offline.

Deterministic: no AWS calls (the stack is environment-agnostic), no git, no clock. The
context of cdk.json (feature flags) is applied here too, so running the module directly
(`CDK_OUTDIR=cdk.out .venv/bin/python -m infra.app`) gives the same template as `cdk synth`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from aws_cdk import App

from infra.config import STACK_NAME, AppConfig
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
    stack = PeerLearningVisitsStack(
        app, STACK_NAME, config=AppConfig.from_context(app),
        description="Peer learning visits: API, events, schedules, mail (see shared/topology.py)")
    if nag:
        add_checks(app)
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
