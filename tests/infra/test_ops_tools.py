"""The operator tools (infra/ops.py) over moto: each runbook's command does what docs/OPERATIONS.md says."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra import ops
from shared import table_schema, topology
from shared.auth import COORDINATORS

REGION = "eu-west-2"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test",
                        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def deployment_with_queues(sqs) -> tuple[ops.Deployment, dict[str, tuple[str, str]]]:
    outputs, queues = {}, {}
    for name in topology.consumers():
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        queue = sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
        outputs[f"{ops.pascal(name)}QueueUrl"], outputs[f"{ops.pascal(name)}DlqUrl"] = queue, dlq
        queues[name] = (queue, dlq)
    return ops.Deployment(outputs), queues


def bodies(sqs, url: str) -> list[str]:
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
        found += [m["Body"] for m in messages]
    return found


def test_the_deployment_is_found_from_the_stacks_outputs(aws):
    cloudformation = boto3.client("cloudformation")
    template = {"Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"UserPoolId": {"Value": "eu-west-2_pool"}, "TableName": {"Value": "table-1"}}}
    cloudformation.create_stack(StackName="PeerLearningVisits", TemplateBody=json.dumps(template))
    deployment = ops.Deployment.of(cloudformation)
    assert deployment.output("UserPoolId") == "eu-west-2_pool"
    with pytest.raises(SystemExit, match="no output DashboardName"):
        deployment.output("DashboardName")


def test_create_user_invites_the_first_coordinator_into_the_group_and_can_be_run_again(aws):
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="pool", UsernameAttributes=["email"],
                                    Schema=[{"Name": "organisation", "AttributeDataType": "String", "Mutable": True}])
    pool_id = pool["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool_id, GroupName=COORDINATORS)

    said = ops.create_user(cognito, pool_id, "ada@centre.example", "Ada Lovelace", coordinator=True)
    assert said == f"invited ada@centre.example, in the {COORDINATORS} group"
    user = cognito.admin_get_user(UserPoolId=pool_id, Username="ada@centre.example")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["name"] == "Ada Lovelace" and attributes["email_verified"] == "true"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"  # signs in with the emailed temporary password
    members = cognito.list_users_in_group(UserPoolId=pool_id, GroupName=COORDINATORS)["Users"]
    assert [m["Username"] for m in members] == [user["Username"]]

    again = ops.create_user(cognito, pool_id, "ada@centre.example", "Ada Lovelace", coordinator=True)
    assert again.startswith("ada@centre.example already has an account")

    ops.create_user(cognito, pool_id, "lead@kent.example", "Kim Lead", organisation="Kent Police")
    member = cognito.admin_get_user(UserPoolId=pool_id, Username="lead@kent.example")
    assert {"Name": "custom:organisation", "Value": "Kent Police"} in member["UserAttributes"]
    assert len(cognito.list_users_in_group(UserPoolId=pool_id, GroupName=COORDINATORS)["Users"]) == 1


def test_redrive_moves_each_dead_letter_back_to_its_own_queue_once(aws):
    sqs = boto3.client("sqs")
    deployment, queues = deployment_with_queues(sqs)
    intake_queue, intake_dlq = queues["intake"]
    reports_queue, reports_dlq = queues["reports"]
    for n in range(23):  # more than one batch
        sqs.send_message(QueueUrl=intake_dlq, MessageBody=json.dumps({"detail-type": "ApplicationSubmitted", "n": n}))
    sqs.send_message(QueueUrl=reports_dlq, MessageBody="{}")

    moved = ops.redrive(sqs, deployment, ["intake"])
    assert moved == {"intake": 23}
    assert sorted(json.loads(b)["n"] for b in bodies(sqs, intake_queue)) == list(range(23))
    assert bodies(sqs, reports_queue) == []  # not asked for

    assert ops.redrive(sqs, deployment) == {name: (1 if name == "reports" else 0) for name in topology.consumers()}
    assert bodies(sqs, reports_queue) == ["{}"]
    assert ops.redrive(sqs, deployment) == {name: 0 for name in topology.consumers()}
    with pytest.raises(SystemExit, match="no consumer"):
        ops.redrive(sqs, deployment, ["nobody"])


def test_replay_stream_failures_republishes_the_failed_batch_and_keeps_what_the_stream_lost(aws):
    dynamodb, streams, sqs = boto3.client("dynamodb"), boto3.client("dynamodbstreams"), boto3.client("sqs")
    dynamodb.create_table(**table_schema.dynamodb_create_table_kwargs("table"))
    stream_arn = dynamodb.describe_table(TableName="table")["Table"]["LatestStreamArn"]
    for n in range(3):
        dynamodb.put_item(TableName="table", Item={"pk": {"S": f"APP#{n}"}, "sk": {"S": "APP"}, "n": {"N": str(n)}})
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
    dlq = sqs.create_queue(QueueName="stream-failures")["QueueUrl"]

    def failure(start: str, end: str, size: int, arn: str = stream_arn) -> str:
        # What Lambda sends to a stream event source's on-failure destination.
        return json.dumps({"requestContext": {"condition": "RetryAttemptsExhausted"},
                           "DDBStreamBatchInfo": {"shardId": shard["ShardId"], "startSequenceNumber": start,
                                                  "endSequenceNumber": end, "batchSize": size,
                                                  "streamArn": arn}})

    sqs.send_message(QueueUrl=dlq, MessageBody=failure(sequence[1], sequence[2], 2))
    published: list[list[str]] = []

    def publisher(event: dict) -> dict:
        published.append([r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]])
        return {"batchItemFailures": []}

    result = ops.replay_stream_failures(sqs, streams, dlq, publisher)
    assert published == [["APP#1", "APP#2"]]
    assert (result.resolved_failures, result.replayed_records, result.expired) == (1, 2, [])
    assert bodies(sqs, dlq) == []

    # A failure the stream no longer holds (older than 24 hours) stays for the operator.
    gone = stream_arn.replace(":table/table/", ":table/deleted-since/")
    sqs.send_message(QueueUrl=dlq, MessageBody=failure(sequence[0], sequence[0], 1, gone))
    result = ops.replay_stream_failures(sqs, streams, dlq, publisher)
    assert result.resolved_failures == 0 and len(result.expired) == 1
    assert len(published) == 1


def test_replay_stops_when_the_publisher_fails_again_and_keeps_the_failure(aws):
    dynamodb, streams, sqs = boto3.client("dynamodb"), boto3.client("dynamodbstreams"), boto3.client("sqs")
    dynamodb.create_table(**table_schema.dynamodb_create_table_kwargs("table"))
    stream_arn = dynamodb.describe_table(TableName="table")["Table"]["LatestStreamArn"]
    dynamodb.put_item(TableName="table", Item={"pk": {"S": "APP#1"}, "sk": {"S": "APP"}})
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    [record] = streams.get_records(ShardIterator=iterator)["Records"]
    number = record["dynamodb"]["SequenceNumber"]
    dlq = sqs.create_queue(QueueName="stream-failures", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"DDBStreamBatchInfo": {
        "shardId": shard["ShardId"], "startSequenceNumber": number, "endSequenceNumber": number, "batchSize": 1,
        "streamArn": stream_arn}}))
    with pytest.raises(RuntimeError, match="failed again"):
        ops.replay_stream_failures(sqs, streams, dlq, lambda event: {"batchItemFailures": [{"itemIdentifier": number}]})
    attributes = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 1


def test_export_visit_gathers_the_visit_its_applications_and_their_items_and_nothing_else(aws):
    boto3.client("dynamodb").create_table(**table_schema.dynamodb_create_table_kwargs("table"))
    table = boto3.resource("dynamodb").Table("table")
    items = [
        {"pk": "VISIT#v1", "sk": "VISIT", "title": "Wellbeing"},
        {"pk": "VISIT#v1", "sk": "SENT#offer#a1", "to": ["ann@kent.example"]},
        {"pk": "APP#a1", "sk": "APP", "application_id": "a1", "gsi1pk": "VISIT#v1#APPS", "gsi1sk": "1#a1",
         "name": "Ann"},
        {"pk": "APP#a1", "sk": "POINTS", "points": ["Huddles work"]},
        {"pk": "VISIT#v2", "sk": "VISIT", "title": "Another visit"},
        {"pk": "APP#a2", "sk": "APP", "application_id": "a2", "gsi1pk": "VISIT#v2#APPS", "gsi1sk": "1#a2"},
    ]
    for item in items:
        table.put_item(Item=item)
    exported = ops.export_visit(table, "v1")
    assert {i["sk"] for i in exported["visit_items"]} == {"VISIT", "SENT#offer#a1"}
    assert [a["name"] for a in exported["applications"]] == ["Ann"]
    assert {i["sk"] for i in exported["application_items"]["a1"]} == {"APP", "POINTS"}
    assert "Another visit" not in json.dumps(exported, default=str)
    with pytest.raises(SystemExit, match="nothing stored"):
        ops.export_visit(table, "unknown")


def test_teardown_names_what_cdk_destroy_keeps_and_delete_retained_removes_it(aws):
    dynamodb, s3, cognito = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("cognito-idp")
    dynamodb.create_table(**table_schema.dynamodb_create_table_kwargs("table"))
    dynamodb.update_table(TableName="table", DeletionProtectionEnabled=True)
    with pytest.raises(dynamodb.exceptions.ClientError):
        dynamodb.delete_table(TableName="table")  # what the table's deletion protection is for
    for bucket in ("documents", "access-logs"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="documents", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket="documents", Key="reports/v1.html", Body=body)
    s3.delete_object(Bucket="documents", Key="reports/v1.html")  # a delete marker too
    pool = cognito.create_user_pool(PoolName="pool", DeletionProtection="ACTIVE")["UserPool"]["Id"]
    deployment = ops.Deployment({"TableName": "table", "BucketName": "documents", "AccessLogBucketName": "access-logs",
                                 "UserPoolId": pool, "ApiUrl": "https://api.example"})

    plan = ops.teardown_plan(deployment)
    assert "table" in plan and "documents" in plan and "access-logs" in plan and pool in plan
    command = plan.splitlines()[-1].split()
    assert command[:3] == ["python", "-m", "infra.ops"] and command[-1] == "--yes"

    # The command the plan prints, as the operator would run it.
    clients = {"dynamodb": dynamodb, "s3": s3, "cognito-idp": cognito}
    original = boto3.client
    boto3.client = lambda name, *a, **k: clients.get(name) or original(name, *a, **k)
    try:
        assert ops.main(command[3:-1]) == 2  # refuses without --yes
        assert ops.main(command[3:]) == 0
    finally:
        boto3.client = original
    assert dynamodb.list_tables()["TableNames"] == []
    assert s3.list_buckets()["Buckets"] == []
    assert cognito.list_user_pools(MaxResults=10)["UserPools"] == []
