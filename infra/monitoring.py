"""What pages the on-call person and what they look at: the alarm topic, every alarm (one helper makes
each, paging the topic) and the dashboard. docs/OPERATIONS.md has a runbook for each alarm.

Each metric watched in two places (an alarm and the dashboard) is built by one function here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import METRICS_NAMESPACE, SERVICE_NAME, pascal
from infra.mail import CONFIGURATION_SET_DIMENSION, CONFIGURATION_SET_NAME
from shared import topology

PERIOD = Duration.minutes(5)
# Thresholds (docs/OPERATIONS.md says what each means and what to do).
OLDEST_MESSAGE_SECONDS = 30 * 60   # a consumer's queue not drained for half an hour
ITERATOR_AGE_MS = 15 * 60 * 1000   # the stream's publisher a quarter of an hour behind
BOUNCE_RATE = 0.04                 # SES reviews an account at 5 %
COMPLAINT_RATE = 0.0008            # SES reviews an account at 0.1 %
SWEEP = next(s for s in topology.SCHEDULES if s.function == "sweep")
SWEEP_PERIOD = Duration.seconds(SWEEP.every.total_seconds())
BACKLOG_RUNS = 2                   # the sweep left due timers behind this many runs in a row


def alarm_topic(scope: Construct, alarm_email: str) -> sns.Topic:
    key = kms.Key(scope, "AlarmTopicKey", enable_key_rotation=True,
                  description="Encrypts the alarm topic; CloudWatch may use it to publish",
                  removal_policy=RemovalPolicy.DESTROY, pending_window=Duration.days(7))
    key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
    topic = sns.Topic(scope, "AlarmTopic", master_key=key, enforce_ssl=True, display_name="Peer learning visits alarms")
    if alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
    return topic


# -- the metrics ----------------------------------------------------------------------------------

def mail_events(event: str, period: Duration = PERIOD) -> cloudwatch.Metric:
    """A count of the configuration set's events (the mail stack sends them to CloudWatch)."""
    return cloudwatch.Metric(namespace="AWS/SES", metric_name=event, statistic="Sum", period=period,
                             dimensions_map={CONFIGURATION_SET_DIMENSION: CONFIGURATION_SET_NAME})


def stream_lag(publisher: lambda_.IFunction, **options) -> cloudwatch.Metric:
    return publisher.metric("IteratorAge", period=PERIOD, statistic="Maximum", **options)


def sweep_runs(sweep: lambda_.IFunction, period: Duration) -> cloudwatch.Metric:
    return sweep.metric_invocations(period=period, statistic="Sum")


def timers_backlog(**options) -> cloudwatch.Metric:
    """Due timers a sweep run left for the next (functions/sweep/handler.py, emitted by Powertools
    under the service's namespace with its `service` dimension)."""
    return cloudwatch.Metric(namespace=METRICS_NAMESPACE, metric_name="TimersBacklog", statistic="Maximum",
                             period=SWEEP_PERIOD, dimensions_map={"service": SERVICE_NAME}, **options)


# -- the alarms -----------------------------------------------------------------------------------

@dataclass
class Alarms:
    """Every alarm, by construct id; `add` is the one way to make one, and it pages the topic."""

    scope: Construct
    topic: sns.ITopic
    by_id: dict[str, cloudwatch.Alarm] = field(default_factory=dict)

    def add(self, construct_id: str, metric: cloudwatch.IMetric, description: str, *, threshold: float = 1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            missing=cloudwatch.TreatMissingData.NOT_BREACHING, periods: int = 1) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self.scope, construct_id, metric=metric, threshold=threshold, evaluation_periods=periods,
            comparison_operator=comparison, treat_missing_data=missing, alarm_description=description)
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.by_id[construct_id] = alarm
        return alarm


def alarms(scope: Construct, topic: sns.ITopic, *, functions: Mapping[str, lambda_.Function],
           queues: Mapping[str, tuple[sqs.Queue, sqs.Queue]], stream_dlq: sqs.Queue,
           api: apigw.RestApi) -> dict[str, cloudwatch.Alarm]:
    found = Alarms(scope, topic)
    for name, function in functions.items():
        found.add(f"{pascal(name)}Errors", function.metric_errors(period=PERIOD, statistic="Sum"),
                  f"{name}: the function raised errors")
    dlqs = {f"{pascal(name)}Dlq": dlq for name, (_, dlq) in queues.items()}
    dlqs["StreamFailuresDlq"] = stream_dlq
    for construct_id, dlq in dlqs.items():
        found.add(f"{construct_id}Messages",
                  dlq.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                  f"{construct_id}: messages that could not be processed are waiting (runbook: redrive)")
    for name, (queue, _) in queues.items():
        found.add(f"{pascal(name)}QueueAge",
                  queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
                  f"{name}: its queue's oldest event has waited over {OLDEST_MESSAGE_SECONDS // 60} minutes",
                  threshold=OLDEST_MESSAGE_SECONDS)
    found.add("StreamIteratorAge", stream_lag(functions[topology.STREAM_CONSUMER]),
              f"the table stream's publisher is over {ITERATOR_AGE_MS // 60000} minutes behind: events wait",
              threshold=ITERATOR_AGE_MS)
    # The sweep runs every hour: no invocation for two hours means no timed email goes out.
    sweep = functions[SWEEP.function]
    found.add("SweepHeartbeat", sweep_runs(sweep, Duration.hours(2)),
              "the hourly sweep has not run for two hours: no timed communication is being sent",
              threshold=1, comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
              missing=cloudwatch.TreatMissingData.BREACHING)
    # It runs but cannot keep up: one run leaving timers is a burst; runs in a row, a sweep falling behind.
    # A run that did not happen is the heartbeat's to report, so missing data does not breach here.
    found.add("SweepBacklog", timers_backlog(),
              f"the sweep left due timers for the next run {BACKLOG_RUNS} runs in a row: timed emails go out late",
              threshold=0, comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, periods=BACKLOG_RUNS)
    found.add("MailBounces",
              cloudwatch.MathExpression(
                  expression="bounces + complaints",
                  using_metrics={"bounces": mail_events("Bounce"), "complaints": mail_events("Complaint")},
                  label="Bounces and complaints", period=PERIOD),
              "an email bounced or was marked as spam: the address is now suppressed (runbook: bounces)")
    found.add("MailBounceRate",
              cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.BounceRate", statistic="Maximum",
                                period=Duration.hours(1)),
              f"the account's bounce rate is over {BOUNCE_RATE:.0%}: SES reviews sending at 5 %",
              threshold=BOUNCE_RATE)
    found.add("MailComplaintRate",
              cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.ComplaintRate", statistic="Maximum",
                                period=Duration.hours(1)),
              f"the account's complaint rate is over {COMPLAINT_RATE:.2%}: SES reviews sending at 0.1 %",
              threshold=COMPLAINT_RATE)
    found.add("Api5xx", api.metric_server_error(period=PERIOD, statistic="Sum"), "the API answered 5xx")
    return found.by_id


# -- the dashboard --------------------------------------------------------------------------------

def dashboard(scope: Construct, name: str, *, alarms: Mapping[str, cloudwatch.Alarm],
              functions: Mapping[str, lambda_.Function], queues: Mapping[str, tuple[sqs.Queue, sqs.Queue]],
              stream_dlq: sqs.Queue, api: apigw.RestApi) -> cloudwatch.Dashboard:
    board = cloudwatch.Dashboard(scope, "Dashboard", dashboard_name=name, default_interval=Duration.days(7))
    board.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms.values()), width=24, height=4))
    board.add_widgets(
        cloudwatch.GraphWidget(title="API requests and errors", width=12, left=[
            api.metric_count(period=PERIOD), api.metric_client_error(period=PERIOD),
            api.metric_server_error(period=PERIOD)]),
        cloudwatch.GraphWidget(title="API latency (p90)", width=12, left=[
            api.metric_latency(period=PERIOD, statistic="p90")]))
    board.add_widgets(
        cloudwatch.GraphWidget(title="Function errors", width=12, left=[
            f.metric_errors(period=PERIOD, label=name) for name, f in functions.items()]),
        cloudwatch.GraphWidget(title="Function duration (p90)", width=12, left=[
            f.metric_duration(period=PERIOD, statistic="p90", label=name) for name, f in functions.items()]))
    board.add_widgets(
        cloudwatch.GraphWidget(title="Events waiting (queues) and failed (DLQs)", width=12, left=[
            q.metric_approximate_number_of_messages_visible(period=PERIOD, label=f"{name} queue")
            for name, (q, _) in queues.items()], right=[
            d.metric_approximate_number_of_messages_visible(period=PERIOD, label=f"{name} DLQ")
            for name, (_, d) in queues.items()] + [
            stream_dlq.metric_approximate_number_of_messages_visible(period=PERIOD, label="stream DLQ")]),
        cloudwatch.GraphWidget(title="Oldest event waiting (s) and stream lag (ms)", width=12, left=[
            q.metric_approximate_age_of_oldest_message(period=PERIOD, label=name)
            for name, (q, _) in queues.items()], right=[
            stream_lag(functions[topology.STREAM_CONSUMER], label="stream iterator age")]))
    board.add_widgets(
        cloudwatch.GraphWidget(title="Email (configuration set)", width=12, left=[
            mail_events(event) for event in ("Send", "Delivery", "Bounce", "Complaint", "Reject")]),
        cloudwatch.GraphWidget(title="Hourly sweep runs and due timers left behind", width=12,
                               left=[sweep_runs(functions[SWEEP.function], SWEEP_PERIOD)],
                               right=[timers_backlog(label="timers left for the next run")]))
    return board
