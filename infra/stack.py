"""The whole backend in one stack, generated from `shared.topology` and `shared.table_schema`.

Routing lives in the topology only: functions, API routes, event rules and schedules are
produced by iterating over its tuples, so the deployed stack and the local stack cannot drift.
"""
from __future__ import annotations

from aws_cdk import CfnOutput, Duration, IgnoreMode, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.api import RestApi
from infra.config import METRICS_NAMESPACE, SERVICE_NAME, AppConfig
from infra.functions import ARCHITECTURE, RUNTIME, Resources, ServiceFunction
from infra.layer import REPO_ROOT, DependencyLayer
from infra.nag import acknowledge
from shared import table_schema, topology
from shared.auth import COORDINATORS

# The function that reads the main table's stream and publishes each item's event to the bus.
STREAM_PUBLISHER = topology.STREAM_CONSUMER
MAX_RECEIVE_COUNT = 5
# Each function's source asset: the repo's `shared/` and `functions/` packages, nothing else
# (gitignore syntax: everything at the top level is out except those two folders).
SOURCE_EXCLUDES = ["/*", "!/shared/", "!/functions/", "__pycache__/", "*.pyc", "*.pyo", ".pytest_cache/",
                   ".mypy_cache/", ".ruff_cache/"]


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


class PeerLearningVisitsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.table = self._main_table()
        self.idempotency_table = self._idempotency_table()
        self.bucket = self._bucket()
        self.bus = events.EventBus(self, "Bus", description="Peer learning visits domain events")
        self.bus.archive("Archive", description="Replay after a consumer's outage",
                         event_pattern=events.EventPattern(source=[topology.EVENT_SOURCE]),
                         retention=Duration.days(30))
        self.user_pool, self.user_pool_client = self._user_pool()
        self.api = RestApi(self, "Api", user_pool=self.user_pool)
        self.alarm_topic = self._alarm_topic()

        self.functions = self._functions()
        for route in topology.ROUTES:
            self.api.add_route(route, self.functions[route.function].function)
        self.queues = self._consumers()
        self.stream_dlq = self._stream_publisher()
        self._schedules()
        self._alarms()
        self._outputs()

    # -- data -------------------------------------------------------------------------------

    def _main_table(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self, "Table",
            partition_key=dynamodb.Attribute(name=table_schema.PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=table_schema.SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=table_schema.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in table_schema.INDEXES:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _idempotency_table(self) -> dynamodb.Table:
        return dynamodb.Table(
            self, "IdempotencyTable",
            partition_key=dynamodb.Attribute(name=table_schema.IDEMPOTENCY_PARTITION_KEY,
                                             type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=table_schema.IDEMPOTENCY_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Idempotency records live for an hour; nothing to keep after the stack is gone.
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _bucket(self) -> s3.Bucket:
        log_bucket = s3.Bucket(
            self, "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 server access logging supports
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        return s3.Bucket(
            self, "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=log_bucket,
            server_access_logs_prefix="bucket/",
            lifecycle_rules=[s3.LifecycleRule(
                id="retention",
                expiration=Duration.days(self.config.retention_days),
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )],
            removal_policy=RemovalPolicy.RETAIN,
        )

    # -- identity ---------------------------------------------------------------------------

    def _user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        plus = self.config.threat_protection
        pool = cognito.UserPool(
            self, "UserPool",
            # Members are invited by the programme: the organisation claim drives allocation, so
            # nobody may sign themselves up or choose their own organisation.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={"organisation": cognito.StringAttribute(min_len=1, max_len=256, mutable=True)},
            password_policy=cognito.PasswordPolicy(
                min_length=12, require_lowercase=True, require_uppercase=True, require_digits=True,
                require_symbols=True, temp_password_validity=Duration.days(7)),
            mfa=cognito.Mfa.REQUIRED if self.config.mfa == "required" else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if not plus:
            acknowledge(pool, "COG8", "the Plus plan (threat protection) is billed per monthly active "
                                      "user; enable it with the context threat_protection=true")
        if self.config.mfa != "required":
            acknowledge(pool, "COG2", "context mfa=optional: members may enrol TOTP; chosen "
                                              "explicitly for this deployment")
        cognito.UserPoolGroup(self, "Coordinators", user_pool=pool, group_name=COORDINATORS,
                              description="Programme coordinators (create visits, run allocations, reports)")
        client = pool.add_client(
            "WebClient",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes("organisation"),
            # The organisation is set by administrators only, never by the member.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
        return pool, client

    # -- functions --------------------------------------------------------------------------

    def _functions(self) -> dict[str, ServiceFunction]:
        # One source asset for every function; dependencies come from the one layer.
        code = lambda_.Code.from_asset(str(REPO_ROOT), exclude=SOURCE_EXCLUDES,
                                       ignore_mode=IgnoreMode.GIT)
        layer = DependencyLayer(self, "Dependencies", runtime=RUNTIME, architecture=ARCHITECTURE).layer
        mail = self.config.mail_from_address
        resources = Resources(
            table=self.table, idempotency_table=self.idempotency_table, bucket=self.bucket, bus=self.bus,
            mail_identity_arns=tuple(
                self.format_arn(service="ses", resource="identity", resource_name=identity)
                for identity in (mail, self.config.mail_from_domain)),
        )
        environment = {
            "TABLE_NAME": self.table.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
            "EVENT_BUS_NAME": self.bus.event_bus_name,
            "BUCKET_NAME": self.bucket.bucket_name,
            "MAIL_FROM": self.config.mail_from,
            "PUBLIC_BASE_URL": self.config.public_base_url or self.api.base_url,
            "USER_POOL_ISSUER": self.user_pool.user_pool_provider_url,
            "USER_POOL_CLIENT_ID": self.user_pool_client.user_pool_client_id,
            "RETENTION_DAYS": str(self.config.retention_days),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }
        # The programme team (blank context: the defaults of shared/settings.py).
        environment.update({name: value for name, value in (
            ("PROGRAMME_TEAM_NAME", self.config.programme_team_name),
            ("PROGRAMME_TEAM_EMAIL", self.config.programme_team_email),
            ("PROGRAMME_TEAM_CONTACT", self.config.programme_team_contact)) if value})
        functions = {}
        for spec in topology.FUNCTIONS:
            wildcard_reasons = (("dynamodb:ListStreams (stream event source) has no resource-level "
                                 "permission",) if spec.name == STREAM_PUBLISHER else ())
            functions[spec.name] = ServiceFunction(
                self, pascal(spec.name), spec=spec, code=code, layer=layer, environment=environment,
                resources=resources, wildcard_reasons=wildcard_reasons)
        return functions

    # -- events -----------------------------------------------------------------------------

    def _queue(self, construct_id: str, **kwargs) -> sqs.Queue:
        return sqs.Queue(self, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                         **kwargs)

    def _consumers(self) -> dict[str, tuple[sqs.Queue, sqs.Queue]]:
        """rule(s) -> the function's queue (with its DLQ) -> the function, partial batch failures."""
        queues = {}
        for name in topology.consumers():
            function = self.functions[name].function
            dlq = self._queue(f"{pascal(name)}Dlq", retention_period=Duration.days(14))
            queue = self._queue(
                f"{pascal(name)}Queue",
                # AWS's advice for Lambda consumers: six times the function's timeout.
                visibility_timeout=Duration.seconds(6 * topology.function(name).timeout_seconds),
                retention_period=Duration.days(4),
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dlq),
            )
            function.add_event_source(sources.SqsEventSource(
                queue, batch_size=10, report_batch_item_failures=True))
            queues[name] = (queue, dlq)
        for rule in topology.RULES:
            queue, dlq = queues[rule.function]
            pattern = rule.pattern()  # the same pattern the local stack routes by
            if set(pattern) - {"source", "detail-type", "detail"}:
                raise ValueError(f"rule {rule.name}: pattern keys {sorted(pattern)} not supported here")
            events.Rule(
                self, f"Rule{pascal(rule.name)}",
                description=f"{', '.join(rule.detail_types)} -> {rule.function}",
                event_bus=self.bus,
                event_pattern=events.EventPattern(
                    source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern.get("detail")),
                # Events the bus cannot deliver to the queue land in the same DLQ.
                targets=[targets.SqsQueue(queue, dead_letter_queue=dlq)],
            )
        return queues

    def _stream_publisher(self) -> sqs.Queue:
        """The table's stream -> the publisher, which may only put events on the bus."""
        if STREAM_PUBLISHER not in self.functions:
            raise ValueError(f"topology declares no {STREAM_PUBLISHER!r} function")
        dlq = self._queue("StreamFailuresDlq", retention_period=Duration.days(14))
        acknowledge(dlq, "SQS3", "this queue is itself a dead-letter destination: the on-failure "
                                 "destination of the table stream's event source mapping")
        self.functions[STREAM_PUBLISHER].function.add_event_source(sources.DynamoEventSource(
            self.table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=100,
            bisect_batch_on_error=True,
            retry_attempts=10,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(dlq),
            parallelization_factor=1,  # keep each item's changes in order
        ))
        return dlq

    def _schedules(self) -> None:
        for schedule in topology.SCHEDULES:
            events.Rule(
                self, f"Schedule{pascal(schedule.name)}",
                description=f"{schedule.name}: {schedule.expression} -> {schedule.function}",
                schedule=events.Schedule.expression(schedule.expression),
                targets=[targets.LambdaFunction(self.functions[schedule.function].function,
                                                retry_attempts=2, max_event_age=Duration.hours(1))],
            )

    # -- monitoring -------------------------------------------------------------------------

    def _alarm_topic(self) -> sns.Topic:
        key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True,
                      description="Encrypts the alarm topic; CloudWatch may use it to publish",
                      removal_policy=RemovalPolicy.DESTROY, pending_window=Duration.days(7))
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True,
                          display_name="Peer learning visits alarms")
        if self.config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        return topic

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self, construct_id, metric=metric, threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_description=description)
        alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))
        return alarm

    def _alarms(self) -> None:
        period = Duration.minutes(5)
        for name, service in self.functions.items():
            self._alarm(f"{pascal(name)}Errors",
                        service.function.metric_errors(period=period, statistic="Sum"),
                        f"{name}: the function raised errors")
        dlqs = {f"{pascal(name)}Dlq": dlq for name, (_, dlq) in self.queues.items()}
        dlqs["StreamFailuresDlq"] = self.stream_dlq
        for construct_id, dlq in dlqs.items():
            self._alarm(f"{construct_id}Messages",
                        dlq.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum"),
                        f"{construct_id}: messages that could not be processed are waiting")
        self._alarm("Api5xx", self.api.api.metric_server_error(period=period, statistic="Sum"),
                    "the API answered 5xx")

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the REST API")
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.user_pool_client.user_pool_client_id)
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
