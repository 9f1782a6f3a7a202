"""The whole backend in one stack, generated from `shared.topology` and `shared.table_schema`.

Routing lives in the topology only: functions, API routes, event rules and schedules are
produced by iterating over its tuples, so the deployed stack and the local stack cannot drift.
"""
from __future__ import annotations

from aws_cdk import Aws, BundlingOptions, CfnOutput, DockerImage, Duration, Fn, IgnoreMode, RemovalPolicy, Stack
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
from infra.mail import CONFIGURATION_SET_DIMENSION, CONFIGURATION_SET_NAME, MailStack, sending_arns
from infra.functions import ARCHITECTURE, RUNTIME, Resources, ServiceFunction
from infra.layer import BUILD_IMAGE, REPO_ROOT, DependencyLayer, SourceBundling
from infra.nag import acknowledge
from shared import table_schema, topology
from shared.auth import COORDINATORS

# The function that reads the main table's stream and publishes each item's event to the bus.
STREAM_PUBLISHER = topology.STREAM_CONSUMER
DELIVERY, STREAM_DELIVERY = topology.QUEUE_DELIVERY, topology.STREAM_DELIVERY
# Alarm thresholds (docs/OPERATIONS.md says what each means and what to do).
OLDEST_MESSAGE_SECONDS = 30 * 60   # a consumer's queue not drained for half an hour
ITERATOR_AGE_MS = 15 * 60 * 1000   # the stream's publisher a quarter of an hour behind
BOUNCE_RATE = 0.04                 # SES reviews an account at 5 %
COMPLAINT_RATE = 0.0008            # SES reviews an account at 0.1 %
# Each function's source asset: the repo's `shared/` and `functions/` packages, nothing else
# (gitignore syntax: everything at the top level is out except those two folders).
SOURCE_EXCLUDES = ["/*", "!/shared/", "!/functions/", "__pycache__/", "*.pyc", "*.pyo", ".pytest_cache/",
                   ".mypy_cache/", ".ruff_cache/"]


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


class PeerLearningVisitsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, mail: MailStack,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        # The sending identity is deployed (and verified) first; its names are fixed, so this
        # stack refers to them by name and ARN rather than through cross-stack exports.
        self.mail = mail
        self.add_stack_dependency(mail, "SES identity and configuration set first (Cognito sends through them)")
        self.table = self._main_table()
        self.idempotency_table = self._idempotency_table()
        self.bucket = self._bucket()
        self.bus = events.EventBus(self, "Bus", description="Peer learning visits domain events")
        self.bus.archive("Archive", description="Replay after a consumer's outage",
                         event_pattern=events.EventPattern(source=[topology.EVENT_SOURCE]),
                         retention=Duration.days(30))
        self.user_pool = self._user_pool()
        self.api = RestApi(self, "Api", user_pool=self.user_pool, cors_origins=config.cors_origins)
        self.user_pool_domain, self.user_pool_client = self._console_client()
        self.alarm_topic = self._alarm_topic()

        self.functions = self._functions()
        for route in topology.ROUTES:
            self.api.add_route(route, self.functions[route.function].function)
        self.queues = self._consumers()
        self.stream_dlq = self._stream_publisher()
        self._schedules()
        self.alarms = self._alarms()
        self.dashboard = self._dashboard()
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
            # Personal data and the programme's history: neither a stack update nor `cdk destroy`
            # may delete it (docs/OPERATIONS.md, "Tearing down").
            deletion_protection=True,
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
        log_bucket = self.access_log_bucket = s3.Bucket(
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

    def _user_pool(self) -> cognito.UserPool:
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
            # Invitations and password resets come from the programme through SES (Cognito's own
            # sender is capped at 50 emails a day and says nothing of who sent it).
            email=cognito.UserPoolEmail.with_ses(
                from_email=self.config.mail_from_address,
                from_name=self.config.mail_from_name or None,
                reply_to=self.config.programme_team_email,
                configuration_set_name=CONFIGURATION_SET_NAME,
                ses_verified_domain=self.config.mail_from_domain,
                ses_region=Aws.REGION,
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Your account for the peer learning visits programme",
                email_body=("You have been given an account for the peer learning visits programme.<br>"
                            "Username: {username}<br>Temporary password: {####}<br>"
                            f"Questions: {self.config.programme_team_email}")),
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
        return pool

    def _console_client(self) -> tuple[cognito.UserPoolDomain, cognito.UserPoolClient]:
        """The managed login's domain and the one app client: the console's (and members' pages')
        sign-in, authorization code with PKCE (a public client: no secret, no implicit grant, no
        password flows), returning to the console's own pages."""
        prefix = self.config.auth_domain_prefix or Fn.join("", ["plv-", Aws.ACCOUNT_ID])
        domain = self.user_pool.add_domain(
            "SignInDomain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix))
        base = self.config.public_base_url or self.api.base_url
        client = self.user_pool.add_client(
            "ConsoleClient",
            generate_secret=False,
            # No password, SRP or custom flow from the client: people sign in on the managed login.
            auth_flows=cognito.AuthFlow(user_password=False, user_srp=False, custom=False, admin_user_password=False),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False,
                                         client_credentials=False),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[base + topology.SIGN_IN_CALLBACK_PATH],
                logout_urls=[base + topology.SIGNED_OUT_PATH],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes("organisation"),
            # The organisation is set by administrators only, never by the member.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
        return domain, client

    # -- functions --------------------------------------------------------------------------

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

    # -- events -----------------------------------------------------------------------------

    def _queue(self, construct_id: str, **kwargs) -> sqs.Queue:
        return sqs.Queue(self, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                         **kwargs)

    def _consumers(self) -> dict[str, tuple[sqs.Queue, sqs.Queue]]:
        """rule(s) -> the function's queue (with its DLQ) -> the function, partial batch failures."""
        queues = {}
        for name in topology.consumers():
            function = self.functions[name].function
            dlq = self._queue(f"{pascal(name)}Dlq",
                              retention_period=Duration.seconds(DELIVERY.dlq_retention.total_seconds()))
            queue = self._queue(
                f"{pascal(name)}Queue",
                visibility_timeout=Duration.seconds(DELIVERY.visibility_timeout_seconds(topology.function(name))),
                retention_period=Duration.seconds(DELIVERY.retention.total_seconds()),
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=DELIVERY.max_receive_count, queue=dlq),
            )
            function.add_event_source(sources.SqsEventSource(
                queue, batch_size=DELIVERY.batch_size, report_batch_item_failures=True,
                max_concurrency=DELIVERY.max_concurrency))
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
        dlq = self._queue("StreamFailuresDlq",
                          retention_period=Duration.seconds(STREAM_DELIVERY.dlq_retention.total_seconds()))
        acknowledge(dlq, "SQS3", "this queue is itself a dead-letter destination: the on-failure "
                                 "destination of the table stream's event source mapping")
        self.functions[STREAM_PUBLISHER].function.add_event_source(sources.DynamoEventSource(
            self.table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=STREAM_DELIVERY.batch_size,
            bisect_batch_on_error=STREAM_DELIVERY.bisect_on_error,
            retry_attempts=STREAM_DELIVERY.retry_attempts,
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
                targets=[targets.LambdaFunction(
                    self.functions[schedule.function].function, retry_attempts=schedule.retry_attempts,
                    max_event_age=Duration.seconds(schedule.max_event_age.total_seconds()))],
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

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str, *, threshold: float = 1,
               comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
               missing=cloudwatch.TreatMissingData.NOT_BREACHING, periods: int = 1) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self, construct_id, metric=metric, threshold=threshold, evaluation_periods=periods,
            comparison_operator=comparison, treat_missing_data=missing, alarm_description=description)
        alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))
        return alarm

    def _mail_metric(self, event: str, period: Duration) -> cloudwatch.Metric:
        """A count of the configuration set's events (the mail stack sends them to CloudWatch)."""
        return cloudwatch.Metric(namespace="AWS/SES", metric_name=event, statistic="Sum", period=period,
                                 dimensions_map={CONFIGURATION_SET_DIMENSION: CONFIGURATION_SET_NAME})

    def _alarms(self) -> dict[str, cloudwatch.Alarm]:
        """Every alarm pages the alarm topic (and `alarm_email`); docs/OPERATIONS.md has a runbook for each."""
        period = Duration.minutes(5)
        alarms = {}
        for name, service in self.functions.items():
            alarms[f"{pascal(name)}Errors"] = self._alarm(
                f"{pascal(name)}Errors", service.function.metric_errors(period=period, statistic="Sum"),
                f"{name}: the function raised errors")
        dlqs = {f"{pascal(name)}Dlq": dlq for name, (_, dlq) in self.queues.items()}
        dlqs["StreamFailuresDlq"] = self.stream_dlq
        for construct_id, dlq in dlqs.items():
            alarms[f"{construct_id}Messages"] = self._alarm(
                f"{construct_id}Messages",
                dlq.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum"),
                f"{construct_id}: messages that could not be processed are waiting (runbook: redrive)")
        for name, (queue, _) in self.queues.items():
            alarms[f"{pascal(name)}QueueAge"] = self._alarm(
                f"{pascal(name)}QueueAge",
                queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum"),
                f"{name}: its queue's oldest event has waited over {OLDEST_MESSAGE_SECONDS // 60} minutes",
                threshold=OLDEST_MESSAGE_SECONDS)
        publisher = self.functions[STREAM_PUBLISHER].function
        alarms["StreamIteratorAge"] = self._alarm(
            "StreamIteratorAge",
            publisher.metric("IteratorAge", period=period, statistic="Maximum"),
            f"the table stream's publisher is over {ITERATOR_AGE_MS // 60000} minutes behind: events wait",
            threshold=ITERATOR_AGE_MS)
        # The sweep runs every hour: no invocation for two hours means no timed email goes out.
        sweep = self.functions[topology.SCHEDULES[0].function].function
        alarms["SweepHeartbeat"] = self._alarm(
            "SweepHeartbeat", sweep.metric_invocations(period=Duration.hours(2), statistic="Sum"),
            "the hourly sweep has not run for two hours: no timed communication is being sent",
            threshold=1, comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING)
        alarms["MailBounces"] = self._alarm(
            "MailBounces",
            cloudwatch.MathExpression(
                expression="bounces + complaints",
                using_metrics={"bounces": self._mail_metric("Bounce", period),
                               "complaints": self._mail_metric("Complaint", period)},
                label="Bounces and complaints", period=period),
            "an email bounced or was marked as spam: the address is now suppressed (runbook: bounces)")
        alarms["MailBounceRate"] = self._alarm(
            "MailBounceRate",
            cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.BounceRate", statistic="Maximum",
                              period=Duration.hours(1)),
            f"the account's bounce rate is over {BOUNCE_RATE:.0%}: SES reviews sending at 5 %",
            threshold=BOUNCE_RATE)
        alarms["MailComplaintRate"] = self._alarm(
            "MailComplaintRate",
            cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.ComplaintRate", statistic="Maximum",
                              period=Duration.hours(1)),
            f"the account's complaint rate is over {COMPLAINT_RATE:.2%}: SES reviews sending at 0.1 %",
            threshold=COMPLAINT_RATE)
        alarms["Api5xx"] = self._alarm(
            "Api5xx", self.api.api.metric_server_error(period=period, statistic="Sum"), "the API answered 5xx")
        return alarms

    def _dashboard(self) -> cloudwatch.Dashboard:
        period = Duration.minutes(5)
        api = self.api.api
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{self.stack_name}",
                                         default_interval=Duration.days(7))
        dashboard.add_widgets(cloudwatch.AlarmStatusWidget(
            title="Alarms", alarms=list(self.alarms.values()), width=24, height=4))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="API requests and errors", width=12, left=[
                api.metric_count(period=period), api.metric_client_error(period=period),
                api.metric_server_error(period=period)]),
            cloudwatch.GraphWidget(title="API latency (p90)", width=12, left=[
                api.metric_latency(period=period, statistic="p90")]))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Function errors", width=12, left=[
                s.function.metric_errors(period=period, label=name) for name, s in self.functions.items()]),
            cloudwatch.GraphWidget(title="Function duration (p90)", width=12, left=[
                s.function.metric_duration(period=period, statistic="p90", label=name)
                for name, s in self.functions.items()]))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Events waiting (queues) and failed (DLQs)", width=12, left=[
                q.metric_approximate_number_of_messages_visible(period=period, label=f"{name} queue")
                for name, (q, _) in self.queues.items()], right=[
                d.metric_approximate_number_of_messages_visible(period=period, label=f"{name} DLQ")
                for name, (_, d) in self.queues.items()] + [
                self.stream_dlq.metric_approximate_number_of_messages_visible(period=period, label="stream DLQ")]),
            cloudwatch.GraphWidget(title="Oldest event waiting (s) and stream lag (ms)", width=12, left=[
                q.metric_approximate_age_of_oldest_message(period=period, label=name)
                for name, (q, _) in self.queues.items()], right=[
                self.functions[STREAM_PUBLISHER].function.metric(
                    "IteratorAge", period=period, statistic="Maximum", label="stream iterator age")]))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Email (configuration set)", width=12, left=[
                self._mail_metric(event, period) for event in ("Send", "Delivery", "Bounce", "Complaint", "Reject")]),
            cloudwatch.GraphWidget(title="Hourly sweep runs", width=12, left=[
                self.functions[topology.SCHEDULES[0].function].function.metric_invocations(
                    period=Duration.hours(1), statistic="Sum")]))
        return dashboard

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
