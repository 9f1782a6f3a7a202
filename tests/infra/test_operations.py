"""What makes the deployed stack work as a service (docs/OPERATIONS.md), read from the template:
required settings, the sending identity, Cognito's mail, CORS, the sign-in client, deletion
protection, consumers' concurrency, alarms and the dashboard."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from infra.config import EXAMPLE_CONTEXT, REQUIRED, MissingContext
from infra.mail import CONFIGURATION_SET_NAME
from shared import topology
from shared.observability import metrics
from tests.infra.conftest import CONTEXT, synthesize
from tests.infra.test_stack import function_ids, logical_id

REPO_ROOT = Path(__file__).resolve().parents[2]


def only(resources: dict) -> dict:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.values()))["Properties"]


def of_type(template: dict, cfn_type: str) -> dict:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == cfn_type}


# -- 1. configuration that cannot be wrong by omission -------------------------------------

@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_synth_refuses_to_go_without_each_required_setting_and_names_it(tmp_path, missing):
    context = {k: v for k, v in CONTEXT.items() if k != missing}
    with pytest.raises(MissingContext) as refused:
        synthesize(tmp_path, context=context)
    message = str(refused.value)
    assert missing in message and f"-c {missing}=" in message
    assert [key for key in REQUIRED if key != missing and f"-c {key}=" in message] == []


def test_a_malformed_address_or_origin_is_refused_at_synth(tmp_path):
    with pytest.raises(ValueError, match="programme_team_email"):
        synthesize(tmp_path, context={**CONTEXT, "programme_team_email": "the team"})
    with pytest.raises(ValueError, match="cors_origins"):
        synthesize(tmp_path, context={**CONTEXT, "cors_origins": "*"})


def test_make_synth_passes_the_example_context_explicitly():
    makefile = (REPO_ROOT / "Makefile").read_text()
    [line] = [line for line in makefile.splitlines() if line.startswith("SYNTH_CONTEXT")]
    words = shlex.split(line.split(":=", 1)[1])
    given = dict(word.split("=", 1) for word in words if word != "-c")
    assert given == EXAMPLE_CONTEXT
    assert re.search(r"^synth:.*\n\t.*cdk synth .*\$\(SYNTH_CONTEXT\)", makefile, re.M)


def test_the_mail_stack_creates_the_domain_identity_with_dkim_and_prints_its_records(synthesized):
    identity = only(of_type(synthesized.mail, "AWS::SES::EmailIdentity"))
    assert identity["EmailIdentity"] == "example.org"
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    assert identity["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    # The configuration set is the identity's default: every message from the domain uses it.
    assert identity["ConfigurationSetAttributes"]["ConfigurationSetName"]["Ref"] in synthesized.mail["Resources"]
    outputs = synthesized.mail["Outputs"]
    for number in (1, 2, 3):
        parts = outputs[f"DkimRecord{number}"]["Value"]["Fn::Join"][1]
        assert parts[0]["Fn::GetAtt"][1] == f"DkimDNSTokenName{number}" and parts[1] == "CNAME"
        assert parts[2]["Fn::GetAtt"][1] == f"DkimDNSTokenValue{number}"


def test_bounces_and_complaints_suppress_the_address_and_are_counted_for_an_alarm(synthesized):
    config_set = only(of_type(synthesized.mail, "AWS::SES::ConfigurationSet"))
    assert config_set["Name"] == CONFIGURATION_SET_NAME
    assert sorted(config_set["SuppressionOptions"]["SuppressedReasons"]) == ["BOUNCE", "COMPLAINT"]
    assert config_set["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    destination = only(of_type(synthesized.mail, "AWS::SES::ConfigurationSetEventDestination"))["EventDestination"]
    assert {"bounce", "complaint"} <= set(destination["MatchingEventTypes"])
    [dimension] = destination["CloudWatchDestination"]["DimensionConfigurations"]
    alarm = synthesized.resources[logical_id(synthesized, synthesized.stack.alarms["MailBounces"])]["Properties"]
    counted = {m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Dimensions"]
               for m in alarm["Metrics"] if "MetricStat" in m}
    assert set(counted) == {"Bounce", "Complaint"}
    assert all(d == [{"Name": dimension["DimensionName"], "Value": dimension["DefaultDimensionValue"]}]
               for d in counted.values())
    assert alarm["Threshold"] == 1


def test_cognito_sends_from_the_programme_through_ses_with_the_team_as_reply_to(synthesized):
    pool = only(synthesized.of_type("AWS::Cognito::UserPool"))
    email = pool["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == EXAMPLE_CONTEXT["mail_from"]
    assert email["ReplyToEmailAddress"] == EXAMPLE_CONTEXT["programme_team_email"]
    assert email["ConfigurationSet"] == CONFIGURATION_SET_NAME
    assert json.dumps(email["SourceArn"]).endswith(':identity/example.org"]]}')
    assert EXAMPLE_CONTEXT["programme_team_email"] in pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    # The service's stack is deployed after the identity exists.
    assert synthesized.stack.mail in synthesized.stack.dependencies


def test_every_function_knows_the_programme_team_and_sends_only_as_the_programme(synthesized):
    for logical in function_ids(synthesized).values():
        variables = synthesized.resources[logical]["Properties"]["Environment"]["Variables"]
        assert variables["PROGRAMME_TEAM_EMAIL"] == EXAMPLE_CONTEXT["programme_team_email"]
        assert variables["CORS_ORIGINS"] == CONTEXT["cors_origins"]
        assert variables["PUBLIC_BASE_URL"] == CONTEXT["public_base_url"]


def test_cors_preflight_answers_only_the_configured_origins(synthesized):
    origins = CONTEXT["cors_origins"].split(",")
    preflights = [m["Properties"] for m in synthesized.of_type("AWS::ApiGateway::Method").values()
                  if m["Properties"]["HttpMethod"] == "OPTIONS"]
    assert preflights
    for method in preflights:
        [response] = method["Integration"]["IntegrationResponses"]
        allowed = response["ResponseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        headers = response["ResponseParameters"]["method.response.header.Access-Control-Allow-Headers"]
        assert allowed == f"'{origins[0]}'"
        assert "Idempotency-Key" in headers and "Authorization" in headers
        # Any other configured origin is echoed by the mapping template; nothing else is.
        template = response["ResponseTemplates"]["application/json"]
        assert all(origin in template for origin in origins[1:])
        assert "*" not in allowed


def test_without_origins_there_is_no_cors_at_all(tmp_path):
    synth = synthesize(tmp_path, context={k: v for k, v in CONTEXT.items() if k != "cors_origins"})
    assert not [m for m in synth.of_type("AWS::ApiGateway::Method").values()
                if m["Properties"]["HttpMethod"] == "OPTIONS"]
    assert not synth.of_type("AWS::ApiGateway::GatewayResponse").keys() - {
        logical_id(synth, synth.stack.api.api.node.find_child("NotFound"))}


def test_the_one_app_client_is_the_consoles_code_grant_with_pkce_and_nothing_else(synthesized):
    client = only(synthesized.of_type("AWS::Cognito::UserPoolClient"))
    base = CONTEXT["public_base_url"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["GenerateSecret"] is False  # a public client: PKCE, no secret to leak
    assert client["CallbackURLs"] == [base + topology.SIGN_IN_CALLBACK_PATH]
    assert client["LogoutURLs"] == [base + topology.SIGNED_OUT_PATH]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert "https://example.com" not in json.dumps(client)
    assert "custom:organisation" not in client["WriteAttributes"]
    only(synthesized.of_type("AWS::Cognito::UserPoolDomain"))
    assert "SignInUrl" in synthesized.outputs


# -- 2. least privilege, deletion protection, concurrency -----------------------------------

def test_the_table_cannot_be_deleted_by_a_stack_update_or_by_hand(synthesized):
    table = synthesized.resources[logical_id(synthesized, synthesized.stack.table)]
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


def test_each_consumer_has_a_maximum_concurrency(synthesized):
    queues = {json.dumps({"Fn::GetAtt": [logical_id(synthesized, q), "Arn"]}): name
              for name, (q, _) in synthesized.stack.queues.items()}
    found = {}
    for mapping in synthesized.of_type("AWS::Lambda::EventSourceMapping").values():
        source = json.dumps(mapping["Properties"]["EventSourceArn"])
        if source in queues:
            found[queues[source]] = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert set(found) == set(topology.consumers())
    assert all(2 <= n <= 5 for n in found.values()), found


# -- 3. alarms that would page, and a dashboard --------------------------------------------

def alarms(synth) -> dict[str, dict]:
    return {name: synth.resources[logical_id(synth, alarm)]["Properties"]
            for name, alarm in synth.stack.alarms.items()}


def test_every_alarm_pages_the_topic_and_the_topic_mails_the_alarm_address(synthesized):
    topic = {"Ref": logical_id(synthesized, synthesized.stack.alarm_topic)}
    every = [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values()]
    assert len(every) == len(synthesized.stack.alarms)
    assert all(a["AlarmActions"] == [topic] and a.get("AlarmDescription") for a in every)
    subscription = only(synthesized.of_type("AWS::SNS::Subscription"))
    assert subscription["Protocol"] == "email" and subscription["Endpoint"] == CONTEXT["alarm_email"]
    assert subscription["TopicArn"] == topic


def test_alarms_cover_errors_dlqs_queue_age_stream_lag_mail_sweep_and_5xx(synthesized):
    found = alarms(synthesized)
    metric = {name: (a.get("Namespace"), a.get("MetricName")) for name, a in found.items()}
    for name in topology.FUNCTIONS:
        assert any(m == ("AWS/Lambda", "Errors") and n.lower().startswith(name.name) for n, m in metric.items())
    assert sum(m == ("AWS/SQS", "ApproximateNumberOfMessagesVisible") for m in metric.values()) == \
        len(topology.consumers()) + 1  # each consumer's DLQ and the stream's
    ages = [a for a in found.values() if a.get("MetricName") == "ApproximateAgeOfOldestMessage"]
    assert len(ages) == len(topology.consumers())
    assert metric["StreamIteratorAge"] == ("AWS/Lambda", "IteratorAge")
    assert {"Name": "FunctionName", "Value": {"Ref": function_ids(synthesized)[topology.STREAM_CONSUMER]}} \
        in found["StreamIteratorAge"]["Dimensions"]
    assert metric["MailBounceRate"] == ("AWS/SES", "Reputation.BounceRate")
    assert found["MailBounceRate"]["Threshold"] < 0.05
    assert metric["MailComplaintRate"] == ("AWS/SES", "Reputation.ComplaintRate")
    assert metric["Api5xx"] == ("AWS/ApiGateway", "5XXError")


def test_a_sweep_that_stops_running_raises_the_heartbeat_alarm(synthesized):
    heartbeat = alarms(synthesized)["SweepHeartbeat"]
    assert (heartbeat["Namespace"], heartbeat["MetricName"]) == ("AWS/Lambda", "Invocations")
    assert heartbeat["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_ids(synthesized)["sweep"]}}]
    assert heartbeat["ComparisonOperator"] == "LessThanThreshold" and heartbeat["Threshold"] == 1
    # No data at all (the schedule deleted or disabled) is a breach, not "all is well".
    assert heartbeat["TreatMissingData"] == "breaching"
    assert heartbeat["Period"] * heartbeat["EvaluationPeriods"] > 3600  # longer than the sweep's period


def test_a_sweep_that_falls_behind_two_runs_in_a_row_raises_the_backlog_alarm(synthesized):
    backlog = alarms(synthesized)["SweepBacklog"]
    sweep = synthesized.resources[function_ids(synthesized)["sweep"]]["Properties"]["Environment"]["Variables"]
    # What the sweep emits (functions/sweep/handler.py): Powertools' EMF under the functions' namespace,
    # with the one `service` dimension Powertools adds.
    assert (backlog["Namespace"], backlog["MetricName"]) == (sweep["POWERTOOLS_METRICS_NAMESPACE"], "TimersBacklog")
    assert backlog["Dimensions"] == [{"Name": "service", "Value": sweep["POWERTOOLS_SERVICE_NAME"]}]
    assert (metrics.namespace, metrics.service) == (backlog["Namespace"], sweep["POWERTOOLS_SERVICE_NAME"])
    # Any timer left behind (> 0), in each of two consecutive hourly runs.
    assert backlog["ComparisonOperator"] == "GreaterThanThreshold" and backlog["Threshold"] == 0
    assert backlog["Period"] == 3600 and backlog["EvaluationPeriods"] == 2
    assert backlog["Statistic"] == "Maximum"
    # A run that did not happen is the heartbeat's alarm, not this one's.
    assert backlog["TreatMissingData"] == "notBreaching"


def test_the_dashboard_shows_every_alarm_and_the_service_at_a_glance(synthesized):
    dashboard = only(synthesized.of_type("AWS::CloudWatch::Dashboard"))
    body = json.dumps(dashboard["DashboardBody"])
    for alarm in synthesized.stack.alarms.values():
        assert logical_id(synthesized, alarm) in body
    for metric in ("5XXError", "Errors", "IteratorAge", "ApproximateAgeOfOldestMessage", "Bounce", "Invocations",
                   "TimersBacklog"):
        assert metric in body
    assert "DashboardName" in synthesized.outputs
