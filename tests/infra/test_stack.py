"""The synthesized template says what shared/topology.py and shared/table_schema.py declare."""
from __future__ import annotations

import importlib.util
import json
import re
import tarfile
from pathlib import Path

import pytest
from aws_cdk.assertions import Match

from infra.app import CDK_JSON, cdk_json_context
from infra.config import EXAMPLE_CONTEXT, pascal
from infra.layer import LOCK_FILE, RUNTIME_PROVIDED, check_lock
from shared import table_schema, topology
from shared.auth import COORDINATORS
from shared.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DYNAMODB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


# -- reading the template -------------------------------------------------------------------

def function_ids(synth) -> dict[str, str]:
    """topology function name -> logical id of its AWS::Lambda::Function (found by handler)."""
    by_handler = {r["Properties"]["Handler"]: k for k, r in synth.of_type("AWS::Lambda::Function").items()}
    return {f.name: by_handler[f.handler] for f in topology.FUNCTIONS}


def logical_id(synth, construct) -> str:
    return synth.stack.resolve(synth.stack.get_logical_id(construct.node.default_child))


def arn_of(logical: str) -> dict:
    return {"Fn::GetAtt": [logical, "Arn"]}


def statements_of(synth, function_name: str) -> list[dict]:
    """Every statement of every policy attached to the function's role."""
    function = synth.resources[function_ids(synth)[function_name]]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "ManagedPolicyArns" not in synth.resources[role]["Properties"], f"{function_name}: managed policy"
    found = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def actions_on(statements: list[dict], logical: str | None = None) -> set[str]:
    """Actions allowed on resources mentioning `logical` (any resource when None)."""
    actions = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        if logical is None or logical in json.dumps(statement["Resource"]):
            actions |= set(as_list(statement["Action"]))
    return actions


def resource_paths(synth) -> dict[str, str]:
    """AWS::ApiGateway::Resource logical id -> its full path."""
    resources = synth.of_type("AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical: str) -> str:
        if logical not in paths:
            props = resources[logical]["Properties"]
            parent = props["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical] = f"{prefix}/{props['PathPart']}"
        return paths[logical]

    for logical in resources:
        path_of(logical)
    return paths


# -- functions ------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.name)
def test_each_topology_function_is_one_lambda_as_declared(synthesized, spec):
    synthesized.template.resource_count_is("AWS::Lambda::Function", len(topology.FUNCTIONS))
    props = synthesized.resources[function_ids(synthesized)[spec.name]]["Properties"]
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Timeout"] == spec.timeout_seconds
    assert props["MemorySize"] == spec.memory_mb
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert len(props["Layers"]) == 1
    assert "LogGroup" in props["LoggingConfig"]


def test_every_function_gets_the_settings_it_validates_at_cold_start(synthesized):
    required = {f.alias for f in Settings.model_fields.values() if f.is_required()}
    expected = required | {"USER_POOL_ISSUER", "USER_POOL_CLIENT_ID", "POWERTOOLS_SERVICE_NAME",
                           "POWERTOOLS_METRICS_NAMESPACE"}
    for logical in function_ids(synthesized).values():
        variables = synthesized.resources[logical]["Properties"]["Environment"]["Variables"]
        assert expected <= set(variables)
        # The local stack's HS256 secret would let anyone mint tokens: never deployed.
        assert "LOCAL_TOKEN_SECRET" not in variables
    variables = synthesized.resources[function_ids(synthesized)["visits"]]["Properties"]["Environment"]["Variables"]
    assert variables["MAIL_FROM"] == EXAMPLE_CONTEXT["mail_from"]
    assert variables["PROGRAMME_TEAM_EMAIL"] == EXAMPLE_CONTEXT["programme_team_email"]
    assert variables["USER_POOL_ISSUER"]["Fn::GetAtt"][1] == "ProviderURL"
    assert variables["USER_POOL_CLIENT_ID"] == {"Ref": logical_id(synthesized, synthesized.stack.user_pool_client)}


def test_all_functions_share_one_layer_and_one_source_only_asset(synthesized):
    functions = [synthesized.resources[k]["Properties"] for k in function_ids(synthesized).values()]
    assert len({json.dumps(p["Layers"]) for p in functions}) == 1
    keys = {p["Code"]["S3Key"] for p in functions}
    assert len(keys) == 1  # its content (shared/, functions/, bytecode) is bundled: tests/infra/test_bytecode.py
    synthesized.template.has_resource_properties("AWS::Lambda::LayerVersion", {
        "CompatibleRuntimes": ["python3.13"], "CompatibleArchitectures": ["arm64"]})
    synthesized.template.resource_count_is("AWS::Lambda::LayerVersion", 1)


def test_layer_lock_is_fully_pinned_and_covers_requirements_without_runtime_packages():
    check_lock()
    pins = {}
    for line in LOCK_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normal(name)] = version
    assert not set(pins) & set(RUNTIME_PROVIDED)
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert pins.get(_normal(re.sub(r"\[.*]", "", name))) == version, line


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().strip()


# -- events ---------------------------------------------------------------------------------

def test_each_consumer_has_one_encrypted_queue_with_a_dlq_feeding_it_with_partial_failures(synthesized):
    queues = synthesized.stack.queues
    assert set(queues) == set(topology.consumers())
    ids = function_ids(synthesized)
    mappings = synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
    for name, (queue, dlq) in queues.items():
        queue_id, dlq_id = logical_id(synthesized, queue), logical_id(synthesized, dlq)
        props = synthesized.resources[queue_id]["Properties"]
        assert props["RedrivePolicy"] == {"deadLetterTargetArn": arn_of(dlq_id), "maxReceiveCount": 5}
        assert props["SqsManagedSseEnabled"] is True
        assert synthesized.resources[dlq_id]["Properties"]["SqsManagedSseEnabled"] is True
        assert props["VisibilityTimeout"] >= 6 * topology.function(name).timeout_seconds
        [mapping] = [m["Properties"] for m in mappings if m["Properties"].get("EventSourceArn") == arn_of(queue_id)]
        assert mapping["FunctionName"] == {"Ref": ids[name]}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # SQS3/SQS4: every queue (DLQs too) refuses plain HTTP.
    for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values():
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in policy["Properties"]["PolicyDocument"]["Statement"])
    assert len(synthesized.of_type("AWS::SQS::QueuePolicy")) == len(synthesized.of_type("AWS::SQS::Queue"))


def test_every_topology_rule_is_a_rule_on_the_bus_with_its_pattern_targeting_the_queue(synthesized):
    bus = logical_id(synthesized, synthesized.stack.bus)
    on_bus = [r["Properties"] for r in synthesized.of_type("AWS::Events::Rule").values()
              if r["Properties"].get("EventBusName") == {"Ref": bus}]
    assert len(on_bus) == len(topology.RULES)
    for rule in topology.RULES:
        queue = logical_id(synthesized, synthesized.stack.queues[rule.function][0])
        matching = [r for r in on_bus if r["EventPattern"] == rule.pattern()
                    and [t["Arn"] for t in r["Targets"]] == [arn_of(queue)]]
        assert len(matching) == 1, rule.name
        assert matching[0]["EventPattern"]["source"] == [topology.EVENT_SOURCE]


def test_the_schedule_fires_the_sweep_directly_every_hour(synthesized):
    sweep = function_ids(synthesized)["sweep"]
    for schedule in topology.SCHEDULES:
        synthesized.template.has_resource_properties("AWS::Events::Rule", {
            "ScheduleExpression": schedule.expression,
            "Targets": [Match.object_like({"Arn": arn_of(function_ids(synthesized)[schedule.function])})],
        })
    synthesized.template.has_resource_properties("AWS::Events::Rule", {
        "ScheduleExpression": "rate(1 hour)", "Targets": [Match.object_like({"Arn": arn_of(sweep)})]})
    synthesized.template.has_resource_properties("AWS::Lambda::Permission", {
        "FunctionName": arn_of(sweep), "Principal": "events.amazonaws.com"})


def test_the_publisher_reads_the_stream_with_bisect_retries_and_an_on_failure_dlq(synthesized):
    table = logical_id(synthesized, synthesized.stack.table)
    dlq = logical_id(synthesized, synthesized.stack.stream_dlq)
    synthesized.template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::GetAtt": [table, "StreamArn"]},
        "FunctionName": {"Ref": function_ids(synthesized)["publisher"]},
        "StartingPosition": Match.any_value(),
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": Match.any_value(),
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": arn_of(dlq)}},
    })


# -- API ------------------------------------------------------------------------------------

def test_every_route_is_a_method_with_or_without_the_authorizer_as_declared(synthesized):
    paths = resource_paths(synthesized)
    functions = function_ids(synthesized)
    methods = {}
    for method in synthesized.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        methods[(props["HttpMethod"], path)] = props
    preflights = {key: methods.pop(key) for key in list(methods) if key[0] == "OPTIONS"}
    assert set(methods) == {(r.method, r.path) for r in topology.ROUTES}
    # CORS preflights (origins configured): answered by API Gateway itself, never a function.
    assert {path for _, path in preflights} >= {r.path for r in topology.ROUTES}
    assert all(p["Integration"]["Type"] == "MOCK" and p["AuthorizationType"] == "NONE" for p in preflights.values())
    for route in topology.ROUTES:
        props = methods[(route.method, route.path)]
        if route.access == "public":
            assert props["AuthorizationType"] == "NONE" and "AuthorizerId" not in props, route
        else:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS" and "AuthorizerId" in props, route
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert json.dumps(arn_of(functions[route.function])) in json.dumps(props["Integration"]["Uri"]), route
        assert "RequestValidatorId" in props


def test_the_api_passes_files_and_the_consoles_upload_form_to_lambda_as_binary(synthesized):
    # The same declaration the local stack encodes by (tests/local/test_stack.py): bytes arrive intact.
    (api,) = synthesized.of_type("AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["BinaryMediaTypes"] == list(topology.BINARY_MEDIA_TYPES)
    assert "multipart/form-data" in api["Properties"]["BinaryMediaTypes"]


def test_the_stage_logs_traces_and_throttles_and_the_url_is_an_output(synthesized):
    synthesized.template.has_resource_properties("AWS::ApiGateway::Stage", {
        "TracingEnabled": True,
        "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
        "MethodSettings": [Match.object_like({
            "HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": Match.any_value(), "MetricsEnabled": True,
            "ThrottlingRateLimit": Match.any_value(), "ThrottlingBurstLimit": Match.any_value(),
            "DataTraceEnabled": False})],
    })
    synthesized.template.has_resource_properties("AWS::ApiGateway::RequestValidator", {
        "ValidateRequestParameters": True, "ValidateRequestBody": False})
    synthesized.template.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    synthesized.template.has_output("ApiUrl", {})


def test_the_user_pool_signs_in_by_email_with_organisation_and_coordinators(synthesized):
    synthesized.template.has_resource_properties("AWS::Cognito::UserPool", {
        "UsernameAttributes": ["email"],
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "Schema": Match.array_with([Match.object_like({"Name": "organisation", "AttributeDataType": "String"})]),
        "Policies": {"PasswordPolicy": Match.object_like({
            "MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
            "RequireSymbols": True})},
        "MfaConfiguration": "ON",
        "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
    })
    synthesized.template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": COORDINATORS})
    [client] = synthesized.of_type("AWS::Cognito::UserPoolClient").values()
    assert "custom:organisation" in client["Properties"]["ReadAttributes"]
    assert "custom:organisation" not in client["Properties"]["WriteAttributes"]


# -- data -----------------------------------------------------------------------------------

def test_the_main_table_matches_the_shared_key_schema(synthesized):
    expected = table_schema.dynamodb_create_table_kwargs("ignored")
    props = synthesized.resources[logical_id(synthesized, synthesized.stack.table)]["Properties"]
    assert props["KeySchema"] == expected["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == expected["AttributeDefinitions"]
    assert sorted(props["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]) == expected["GlobalSecondaryIndexes"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": table_schema.TTL_ATTRIBUTE, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_the_idempotency_table_uses_powertools_attribute_names(synthesized):
    props = synthesized.resources[logical_id(synthesized, synthesized.stack.idempotency_table)]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": table_schema.IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": table_schema.IDEMPOTENCY_TTL_ATTRIBUTE, "Enabled": True}


def test_the_bucket_is_private_encrypted_versioned_logged_and_expires(synthesized):
    props = synthesized.resources[logical_id(synthesized, synthesized.stack.bucket)]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 365 and rule["Status"] == "Enabled"
    for policy in synthesized.of_type("AWS::S3::BucketPolicy").values():
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in policy["Properties"]["PolicyDocument"]["Statement"])


# -- least privilege ------------------------------------------------------------------------

def granted(synth, function_name: str) -> dict[str, set[str]]:
    """resource (a logical id, or "*") -> actions the function's role may perform on it."""
    found: dict[str, set[str]] = {}
    for statement in statements_of(synth, function_name):
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            text = json.dumps(resource)
            key = "*" if resource == "*" else (re.search(r'"(\w+)", "(?:Arn|StreamArn)"', text) or
                                               re.search(r':(identity/[^"]+|configuration-set/[^"]+)"', text))[1]
            found.setdefault(key, set()).update(as_list(statement["Action"]))
    return found


def expected_grants(synth, spec) -> dict[str, set[str]]:
    """What the function's needs name, written out by hand (not through infra/functions.py)."""
    stack = synth.stack
    table, idem = logical_id(synth, stack.table), logical_id(synth, stack.idempotency_table)
    bucket, bus = logical_id(synth, stack.bucket), logical_id(synth, stack.bus)
    expected: dict[str, set[str]] = {"*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}}
    [log_group] = [k for k, r in synth.of_type("AWS::Logs::LogGroup").items()
                   if k.startswith(pascal(spec.name) + "Logs")]
    expected[log_group] = {"logs:CreateLogStream", "logs:PutLogEvents"}
    for need in spec.needs:
        kind, _, action = need.partition(":")
        if kind == "table":
            expected.setdefault(table, set()).add(f"dynamodb:{action}")
        elif kind == "bucket":
            expected.setdefault(bucket, set()).add(f"s3:{action}")
        elif need == "idempotency":
            expected[idem] = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
        elif need == "mail:send":
            for identity in ("identity/example.org", "identity/visits@example.org",
                             "configuration-set/peer-learning-visits"):
                expected[identity] = {"ses:SendEmail", "ses:SendRawEmail"}
        elif need == "bus:put":
            expected[bus] = {"events:PutEvents"}
        elif need == "timers:mark":  # on the table, only under its condition (the publisher's test)
            expected.setdefault(table, set()).add("dynamodb:UpdateItem")
        else:
            raise AssertionError(f"unknown need {need}")
    if spec.name in stack.queues:  # its SQS event source
        expected[logical_id(synth, stack.queues[spec.name][0])] = {
            "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage",
            "sqs:GetQueueAttributes"}
    if spec.name == topology.STREAM_CONSUMER:  # the stream's event source and its on-failure queue
        expected["*"].add("dynamodb:ListStreams")
        expected.setdefault(table, set()).update({"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                                  "dynamodb:GetShardIterator"})
        expected[logical_id(synth, stack.stream_dlq)] = {"sqs:SendMessage", "sqs:GetQueueAttributes",
                                                         "sqs:GetQueueUrl"}
    return expected


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_do_exactly_the_actions_its_needs_name_and_nothing_else(synthesized, spec):
    assert granted(synthesized, spec.name) == expected_grants(synthesized, spec)


def test_no_function_may_scan_or_batch_write_or_use_a_wildcard_action(synthesized):
    for spec in topology.FUNCTIONS:
        actions = set().union(*granted(synthesized, spec.name).values())
        assert not actions & {"dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:*", "s3:*", "ses:*",
                              "dynamodb:DeleteTable"}, spec.name
        assert not [a for a in actions if "*" in a], spec.name
        # Only erasure deletes documents (a report that named an erased person).
        assert ("s3:DeleteObject" in actions) == (spec.name == "people"), spec.name


def test_the_publisher_only_reads_the_stream_notes_the_sweeps_mark_and_puts_events(synthesized):
    statements = statements_of(synthesized, "publisher")
    table = logical_id(synthesized, synthesized.stack.table)
    on_table = [s for s in statements if table in json.dumps(s["Resource"])]
    writes = [s for s in on_table if set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
              & DYNAMODB_WRITES]
    assert all(s["Resource"] == {"Fn::GetAtt": [table, "StreamArn"]} for s in on_table if s not in writes)
    # its one write: the timers' mark, in the partition no other item uses
    assert [(w["Action"], w["Condition"]) for w in writes] == [
        ("dynamodb:UpdateItem", {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["SWEEP"]}})]
    assert not {a for a in actions_on(statements) if a.startswith(("ses:", "s3:"))}
    assert actions_on(statements, logical_id(synthesized, synthesized.stack.bus)) == {"events:PutEvents"}


# -- monitoring -----------------------------------------------------------------------------

def test_an_alarm_per_function_errors_and_per_dlq_to_an_ssl_only_topic(synthesized):
    alarms = [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values()]
    for logical in function_ids(synthesized).values():
        assert any(a["MetricName"] == "Errors" and {"Name": "FunctionName", "Value": {"Ref": logical}}
                   in a["Dimensions"] for a in alarms), logical
    dlqs = [dlq for _, dlq in synthesized.stack.queues.values()] + [synthesized.stack.stream_dlq]
    for dlq in dlqs:
        name = {"Fn::GetAtt": [logical_id(synthesized, dlq), "QueueName"]}
        assert any(a["MetricName"] == "ApproximateNumberOfMessagesVisible"
                   and {"Name": "QueueName", "Value": name} in a["Dimensions"] for a in alarms)
    topic = {"Ref": logical_id(synthesized, synthesized.stack.alarm_topic)}
    assert all(a["AlarmActions"] == [topic] for a in alarms)
    synthesized.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    synthesized.template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {
        "Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


# -- the app itself -------------------------------------------------------------------------

def test_cdk_json_carries_the_recommended_feature_flags_of_the_installed_aws_cdk_lib(synthesized):
    flags = {k: v for k, v in cdk_json_context().items() if k.startswith("@aws-cdk")}
    jsii_dir = Path(importlib.util.find_spec("aws_cdk").submodule_search_locations[0]) / "_jsii"
    [tarball] = jsii_dir.glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        recommended = json.load(archive.extractfile("package/recommended-feature-flags.json"))
    assert flags == recommended
    for flag, value in flags.items():
        assert synthesized.stack.node.try_get_context(flag) == value
    assert json.loads(CDK_JSON.read_text())["app"].endswith("-m infra.app")
