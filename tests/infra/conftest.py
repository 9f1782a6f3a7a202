"""One synthesis per session, bundling skipped, with cdk.json's feature flags and context."""
from __future__ import annotations

import os

# Before aws_cdk starts its jsii kernel: Node 20's end-of-life banner is noise here.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("NODE_NO_WARNINGS", "1")

import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.app import build_app  # noqa: E402
from infra.config import EXAMPLE_CONTEXT  # noqa: E402
from infra.stack import PeerLearningVisitsStack  # noqa: E402

# Assets are only needed as folders: no pip run for the layer.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
# What a deployment must say (the synth refuses to go without mail_from and the programme
# team's address), plus the optional settings whose effect the tests check.
CONTEXT = {**EXAMPLE_CONTEXT, "cors_origins": "https://members.example.org,https://www.example.org",
           "alarm_email": "on-call@example.org", "public_base_url": "https://visits.example.org"}


@dataclass(frozen=True)
class Synthesized:
    stack: PeerLearningVisitsStack
    outdir: Path
    template_path: Path
    resources: dict          # the template's Resources, as plain JSON
    template: Template       # the same, for aws_cdk.assertions
    outputs: dict            # the template's Outputs
    mail_template_path: Path
    mail: dict               # the mail stack's template (SES identity, configuration set)

    def of_type(self, cfn_type: str) -> dict[str, dict]:
        return {k: r for k, r in self.resources.items() if r["Type"] == cfn_type}


def synthesize(outdir: Path, context: dict | None = None, **kwargs) -> Synthesized:
    app, stack = build_app(context={**SKIP_BUNDLING, **(CONTEXT if context is None else context)},
                           outdir=str(outdir), **kwargs)
    assembly = app.synth()
    template_path = Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path)
    mail_path = Path(assembly.get_stack_artifact(stack.mail.artifact_id).template_full_path)
    as_json = json.loads(template_path.read_text())
    return Synthesized(stack=stack, outdir=outdir, template_path=template_path,
                       resources=as_json["Resources"], template=Template.from_json(as_json),
                       outputs=as_json.get("Outputs", {}), mail_template_path=mail_path,
                       mail=json.loads(mail_path.read_text()))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    # cdk-nag runs in its own synthesis (tests/infra/test_compliance.py), so a finding there
    # does not hide what these tests say about the template.
    return synthesize(tmp_path_factory.mktemp("cdk-out"), nag=False)
