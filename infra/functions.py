"""One helper that turns a `shared.topology.Function` into a Lambda function with its own role.

Each function gets a role of its own holding only what its `needs` name (plus writing to its
own log group and X-Ray); no AWS-managed policy is attached.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge
from shared import topology

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


@dataclass(frozen=True)
class Resources:
    """What a function's needs can be granted on."""

    table: dynamodb.Table
    idempotency_table: dynamodb.Table
    bucket: s3.Bucket
    bus: events.EventBus
    # SES identities the sender may use (the address and its domain).
    mail_identity_arns: tuple[str, ...]


def _mail_send(resources: Resources, role: iam.IRole) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["ses:SendEmail", "ses:SendRawEmail"], resources=list(resources.mail_identity_arns)))


# Need -> the narrowest grant. Keys are exactly topology.Need.
GRANTS: Mapping[str, Callable[[Resources, iam.IRole], object]] = {
    "table:read": lambda r, role: r.table.grant_read_data(role),
    "table:write": lambda r, role: r.table.grant_read_write_data(role),
    "idempotency": lambda r, role: r.idempotency_table.grant_read_write_data(role),
    "mail:send": _mail_send,
    "bucket:read": lambda r, role: r.bucket.grant_read(role),
    "bucket:write": lambda r, role: r.bucket.grant_write(role),
    "bus:put": lambda r, role: r.bus.grant_put_events_to(role),
}


class ServiceFunction(Construct):
    """A topology function: role, log group and the Lambda function itself."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: topology.Function,
                 code: lambda_.Code, layer: lambda_.ILayerVersion, environment: Mapping[str, str],
                 resources: Resources, wildcard_reasons: tuple[str, ...] = ()) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"{spec.name}: {', '.join(sorted(spec.needs))}")
        self.log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION,
                                       removal_policy=RemovalPolicy.DESTROY)
        self.function = lambda_.Function(
            self, "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=code,
            layers=[layer],
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            environment=dict(environment),
            tracing=lambda_.Tracing.ACTIVE,
            role=self.role,
            log_group=self.log_group,
        )
        self.log_group.grant_write(self.role)
        unknown = set(spec.needs) - set(GRANTS)
        if unknown:
            raise ValueError(f"function {spec.name}: no grant for needs {sorted(unknown)}")
        for need in sorted(spec.needs):
            GRANTS[need](resources, self.role)
        self._acknowledge(resources, wildcard_reasons)

    def _acknowledge(self, resources: Resources, wildcard_reasons: tuple[str, ...]) -> None:
        """The wildcards that the grants above produce, each with its reason."""
        stack = Stack.of(self)

        def arn_of(construct: Construct) -> str:
            return f"<{stack.resolve(stack.get_logical_id(construct.node.default_child))}.Arn>"

        acknowledge(self, "IAM5[Resource::*]", "; ".join((
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions "
            "(added by tracing=ACTIVE)", *wildcard_reasons)))
        needs = self.spec.needs
        if needs & {"table:read", "table:write"}:
            acknowledge(self, f"IAM5[Resource::{arn_of(resources.table)}/index/*]",
                        "grant_*_data on the main table: queries use its GSIs gsi1..gsi3 (this table only)")
        if "bucket:read" in needs or "bucket:write" in needs:
            acknowledge(self, f"IAM5[Resource::{arn_of(resources.bucket)}/*]",
                        "objects of the programme's own bucket (reports, background material) only")
        if "bucket:read" in needs:
            for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*"):
                acknowledge(self, f"IAM5[Action::{action}]",
                            "bucket.grant_read(): read-only S3 actions, on this one bucket only")
        if "bucket:write" in needs:
            for action in ("s3:DeleteObject*", "s3:Abort*"):
                acknowledge(self, f"IAM5[Action::{action}]",
                            "bucket.grant_write(): replace/abort uploads of objects, on this one bucket only")
