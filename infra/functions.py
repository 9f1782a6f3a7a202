"""One helper that turns a `shared.topology.Function` into a Lambda function with its own role.

Each function gets a role of its own holding only what its `needs` name (plus writing to its
own log group and X-Ray); no AWS-managed policy is attached.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

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
from shared.store.timers import MARK_KEY

# The assets ship bytecode compiled by this very Python version (infra/bytecode.py), which the
# build machines have; cdk-nag's L1 (latest runtime, 3.14) is acknowledged below with that reason.
RUNTIME = lambda_.Runtime.PYTHON_3_13
RUNTIME_VERSION = "3.13"
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


@dataclass(frozen=True)
class Resources:
    """What a function's needs can be granted on."""

    table: dynamodb.Table
    idempotency_table: dynamodb.Table
    bucket: s3.Bucket
    bus: events.EventBus
    # What a sender may send as and through: SES identities and the configuration set.
    mail_arns: tuple[str, ...]


# Powertools' idempotency layer reads, claims, completes and (on failure) deletes its record.
IDEMPOTENCY_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# SES v2 SendEmail with raw content is authorised as ses:SendRawEmail, simple content as ses:SendEmail.
MAIL_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")


def statements(needs: frozenset[str], r: Resources) -> list[iam.PolicyStatement]:
    """Exactly the actions the needs name, each on its own resource: no `grant_*` wildcard."""
    unknown = needs - topology.NEEDS
    if unknown:
        raise ValueError(f"no grant for needs {sorted(unknown)}")
    found = []
    table = sorted(n.split(":", 1)[1] for n in needs if n.startswith("table:"))
    if table:
        resources = [r.table.table_arn]
        if "Query" in table:  # queries use the table's indexes too
            resources.append(f"{r.table.table_arn}/index/*")
        found.append(iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in table], resources=resources))
    objects = sorted(n.split(":", 1)[1] for n in needs
                     if n in ("bucket:GetObject", "bucket:PutObject", "bucket:DeleteObject"))
    if objects:
        found.append(iam.PolicyStatement(actions=[f"s3:{a}" for a in objects],
                                         resources=[r.bucket.arn_for_objects("*")]))
    if "bucket:ListBucket" in needs:
        found.append(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[r.bucket.bucket_arn]))
    if "idempotency" in needs:
        found.append(iam.PolicyStatement(actions=list(IDEMPOTENCY_ACTIONS),
                                         resources=[r.idempotency_table.table_arn]))
    if "mail:send" in needs:
        found.append(iam.PolicyStatement(actions=list(MAIL_ACTIONS), resources=list(r.mail_arns)))
    if "timers:mark" in needs:
        found.append(iam.PolicyStatement(
            actions=["dynamodb:UpdateItem"], resources=[r.table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [MARK_KEY[0]]}}))
    if "bus:put" in needs:
        found.append(iam.PolicyStatement(actions=["events:PutEvents"], resources=[r.bus.event_bus_arn]))
    return found


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
        for statement in statements(spec.needs, resources):
            self.role.add_to_principal_policy(statement)
        self._acknowledge(resources, wildcard_reasons)

    def _acknowledge(self, resources: Resources, wildcard_reasons: tuple[str, ...]) -> None:
        """The wildcards that the grants above produce, each with its reason."""
        stack = Stack.of(self)

        def arn_of(construct: Construct) -> str:
            return f"<{stack.resolve(stack.get_logical_id(construct.node.default_child))}.Arn>"

        acknowledge(self, "IAM5[Resource::*]", "; ".join((
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions "
            "(added by tracing=ACTIVE)", *wildcard_reasons)))
        acknowledge(self, "L1", "Python 3.13 (supported): the assets carry .pyc compiled by the runtime's own "
                                "version, which halves every cold start; the build machines have no 3.14 yet")
        needs = self.spec.needs
        if "table:Query" in needs:
            acknowledge(self, f"IAM5[Resource::{arn_of(resources.table)}/index/*]",
                        "queries use the main table's GSIs gsi1..gsi3 (this table only, named actions only)")
        if needs & {"bucket:GetObject", "bucket:PutObject", "bucket:DeleteObject"}:
            acknowledge(self, f"IAM5[Resource::{arn_of(resources.bucket)}/*]",
                        "objects of the programme's own bucket (reports, background material) only")
