"""The whole backend in one stack, generated from `shared.topology` and `shared.table_schema`.

Routing lives in the topology only: functions, API routes, event rules and schedules are
produced by iterating over its tuples, so the deployed stack and the local stack cannot drift.
Each capability is built by its own module, in this stack's scope (so logical ids are the stack's):
`infra.data` (tables, bucket), `infra.identity` (user pool, console client), `infra.api` (REST API),
`infra.functions` (one function per topology entry, its own role), `infra.delivery` (bus, queues,
stream, schedules), `infra.monitoring` (alarm topic, alarms, dashboard).
"""
from __future__ import annotations

from aws_cdk import BundlingOptions, CfnOutput, DockerImage, IgnoreMode, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import data, delivery, identity, monitoring
from infra.api import RestApi
from infra.config import METRICS_NAMESPACE, SERVICE_NAME, AppConfig, pascal
from infra.functions import ARCHITECTURE, RUNTIME, Resources, ServiceFunction
from infra.layer import BUILD_IMAGE, REPO_ROOT, DependencyLayer, SourceBundling
from infra.mail import MailStack, sending_arns
from shared import topology

# The function that reads the main table's stream and publishes each item's event to the bus.
STREAM_PUBLISHER = topology.STREAM_CONSUMER
# Each function's source asset: the repo's `shared/` and `functions/` packages, nothing else
# (gitignore syntax: everything at the top level is out except those two folders).
SOURCE_EXCLUDES = ["/*", "!/shared/", "!/functions/", "__pycache__/", "*.pyc", "*.pyo", ".pytest_cache/",
                   ".mypy_cache/", ".ruff_cache/"]


class PeerLearningVisitsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, mail: MailStack,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        # The sending identity is deployed (and verified) first; its names are fixed, so this
        # stack refers to them by name and ARN rather than through cross-stack exports.
        self.mail = mail
        self.add_stack_dependency(mail, "SES identity and configuration set first (Cognito sends through them)")
        self.table = data.main_table(self)
        self.idempotency_table = data.idempotency_table(self)
        self.bucket, self.access_log_bucket = data.buckets(self, retention_days=config.retention_days)
        self.bus = delivery.event_bus(self)
        self.user_pool = identity.user_pool(self, config)
        self.api = RestApi(self, "Api", user_pool=self.user_pool, cors_origins=config.cors_origins)
        self.user_pool_domain, self.user_pool_client = identity.console_client(
            self.user_pool, config, api_base_url=self.api.base_url)
        self.alarm_topic = monitoring.alarm_topic(self, config.alarm_email)

        self.functions = self._functions()
        lambdas = {name: service.function for name, service in self.functions.items()}
        for route in topology.ROUTES:
            self.api.add_route(route, lambdas[route.function])
        self.queues = delivery.consumers(self, lambdas, self.bus)
        if STREAM_PUBLISHER not in lambdas:
            raise ValueError(f"topology declares no {STREAM_PUBLISHER!r} function")
        self.stream_dlq = delivery.stream_publisher(self, self.table, lambdas[STREAM_PUBLISHER])
        delivery.schedules(self, lambdas)
        watched = dict(functions=lambdas, queues=self.queues, stream_dlq=self.stream_dlq, api=self.api.api)
        self.alarms = monitoring.alarms(self, self.alarm_topic, **watched)
        self.dashboard = monitoring.dashboard(self, self.stack_name, alarms=self.alarms, **watched)
        self._outputs()

    def _functions(self) -> dict[str, ServiceFunction]:
        # One source asset for every function, with its bytecode; dependencies come from the one layer.
        code = lambda_.Code.from_asset(str(REPO_ROOT), exclude=SOURCE_EXCLUDES, ignore_mode=IgnoreMode.GIT,
                                       bundling=BundlingOptions(image=DockerImage.from_registry(BUILD_IMAGE),
                                                                local=SourceBundling()))
        layer = DependencyLayer(self, "Dependencies", runtime=RUNTIME, architecture=ARCHITECTURE).layer
        resources = Resources(
            table=self.table, idempotency_table=self.idempotency_table, bucket=self.bucket, bus=self.bus,
            mail_arns=tuple(sending_arns(self, self.config)))
        environment = {
            "TABLE_NAME": self.table.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
            "EVENT_BUS_NAME": self.bus.event_bus_name,
            "BUCKET_NAME": self.bucket.bucket_name,
            "MAIL_FROM": self.config.mail_from,
            "PROGRAMME_TEAM_EMAIL": self.config.programme_team_email,
            "PROGRAMME_TEAM_NAME": self.config.programme_team_name or self.config.mail_from_name,
            "PROGRAMME_TEAM_CONTACT": self.config.programme_team_contact,
            "CORS_ORIGINS": ",".join(self.config.cors_origins),
            # The managed login (the console's sign-in): https://<prefix>.auth.<region>.amazoncognito.com
            "AUTH_BASE_URL": self.user_pool_domain.base_url(),
            "PUBLIC_BASE_URL": self.config.public_base_url or self.api.base_url,
            "USER_POOL_ISSUER": self.user_pool.user_pool_provider_url,
            "USER_POOL_CLIENT_ID": self.user_pool_client.user_pool_client_id,
            "RETENTION_DAYS": str(self.config.retention_days),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }
        functions = {}
        for spec in topology.FUNCTIONS:
            wildcard_reasons = (("dynamodb:ListStreams (stream event source) has no resource-level "
                                 "permission",) if spec.name == STREAM_PUBLISHER else ())
            functions[spec.name] = ServiceFunction(
                self, pascal(spec.name), spec=spec, code=code, layer=layer, environment=environment,
                resources=resources, wildcard_reasons=wildcard_reasons)
        return functions

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the REST API")
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.user_pool_client.user_pool_client_id)
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "AccessLogBucketName", value=self.access_log_bucket.bucket_name)
        CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
        CfnOutput(self, "SignInUrl", value=self.user_pool_domain.base_url(),
                  description="Cognito managed login (the console's sign-in)")
        CfnOutput(self, "DashboardName", value=self.dashboard.dashboard_name)
        # What the operator tools (infra/ops.py) find the queues by.
        for name, (queue, dlq) in self.queues.items():
            CfnOutput(self, f"{pascal(name)}QueueUrl", value=queue.queue_url)
            CfnOutput(self, f"{pascal(name)}DlqUrl", value=dlq.queue_url)
        CfnOutput(self, "StreamFailuresDlqUrl", value=self.stream_dlq.queue_url)
        CfnOutput(self, "PublisherFunctionName", value=self.functions[STREAM_PUBLISHER].function.function_name)
