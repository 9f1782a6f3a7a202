"""cdk-nag (3.x, a policy-validation plugin) and the one way we acknowledge a finding.

Every acknowledgement is written next to the construct it concerns, with its reason;
`acknowledge(scope, "APIG4", reason)` covers the construct and everything below it. Findings
that report several wildcards are acknowledged one by one: "IAM5[Resource::*]".
"""
from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledgement_id(rule: str) -> str:
    """The id the plugin reports a finding under (its "Acknowledge with '...'" hint)."""
    return f"{PACK}::{PACK}-{rule}"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """`rule` without the pack prefix: "APIG4" or "IAM5[Resource::*]"."""
    if not reason.strip():
        raise ValueError(f"acknowledging {rule} needs a reason")
    Validations.of(scope).acknowledge(Acknowledgment(id=acknowledgement_id(rule), reason=reason))


def add_checks(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
