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
from infra.stack import PeerLearningVisitsStack  # noqa: E402

# Assets are only needed as folders: no pip run for the layer.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@dataclass(frozen=True)
class Synthesized:
    stack: PeerLearningVisitsStack
    outdir: Path
    template_path: Path
    resources: dict          # the template's Resources, as plain JSON
    template: Template       # the same, for aws_cdk.assertions

    def of_type(self, cfn_type: str) -> dict[str, dict]:
        return {k: r for k, r in self.resources.items() if r["Type"] == cfn_type}


def synthesize(outdir: Path, **kwargs) -> Synthesized:
    app, stack = build_app(context=SKIP_BUNDLING, outdir=str(outdir), **kwargs)
    assembly = app.synth()
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    template_path = Path(artifact.template_full_path)
    as_json = json.loads(template_path.read_text())
    return Synthesized(stack=stack, outdir=outdir, template_path=template_path,
                       resources=as_json["Resources"], template=Template.from_json(as_json))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    # cdk-nag runs in its own synthesis (tests/infra/test_compliance.py), so a finding there
    # does not hide what these tests say about the template.
    return synthesize(tmp_path_factory.mktemp("cdk-out"), nag=False)
