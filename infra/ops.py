"""Operator tools for a deployed stack: `python -m infra.ops COMMAND ...` (runbooks: docs/OPERATIONS.md).

Each uses the operator's own AWS credentials (the environment's profile and region) and finds the
stack's resources from its CloudFormation outputs:

  create-user EMAIL --name NAME [--organisation ORG] [--coordinator]
                                    invite someone (Cognito emails a temporary password);
                                    --coordinator adds them to the coordinators group
  redrive [FUNCTION ...]            move each consumer's dead letters back to its queue
  replay-stream-failures            re-publish the table changes the publisher gave up on
  export-visit VISIT_ID [--out F]   every item of one visit (applications, points, emails sent) as JSON
  teardown                          what `cdk destroy` keeps, and the command that removes it
  delete-retained --table T --bucket B ... --user-pool P --yes
                                    remove what `cdk destroy` kept (irreversible)

Every function below takes its clients as arguments, so the tests run them over moto.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from infra.config import STACK_NAME, pascal
from shared import topology
from shared.auth import COORDINATORS

BATCH = 10  # SQS's most per receive/send/delete


@dataclass(frozen=True)
class Deployment:
    """What the tools act on, from the stack's outputs (infra/stack.py `_outputs`)."""

    outputs: dict[str, str]
    stack_name: str = STACK_NAME

    @classmethod
    def of(cls, cloudformation, stack_name: str = STACK_NAME) -> "Deployment":
        [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        return cls({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}, stack_name)

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise SystemExit(f"stack {self.stack_name} has no output {key}: deployed from an older version?")
        return self.outputs[key]

    def queues(self) -> dict[str, tuple[str, str]]:
        """consumer -> (queue URL, DLQ URL)."""
        return {name: (self.output(f"{pascal(name)}QueueUrl"), self.output(f"{pascal(name)}DlqUrl"))
                for name in topology.consumers()}


# -- users ----------------------------------------------------------------------------------

def create_user(cognito, user_pool_id: str, email: str, name: str, *, organisation: str = "",
                coordinator: bool = False) -> str:
    """Invite a user (Cognito sends the temporary password through SES); idempotent. What happened."""
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                  {"Name": "name", "Value": name}]
    if organisation:
        attributes.append({"Name": "custom:organisation", "Value": organisation})
    try:
        cognito.admin_create_user(UserPoolId=user_pool_id, Username=email, UserAttributes=attributes,
                                  DesiredDeliveryMediums=["EMAIL"])
        done = f"invited {email}"
    except cognito.exceptions.UsernameExistsException:
        done = f"{email} already has an account"
    if coordinator:
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=email, GroupName=COORDINATORS)
        done += f", in the {COORDINATORS} group"
    return done


# -- dead letters ---------------------------------------------------------------------------

def move_messages(sqs, source_url: str, target_url: str, *, limit: int | None = None) -> int:
    """Move every message (at most `limit`) from one queue to another; each is deleted from the
    source only once the target has it. The number moved."""
    moved = 0
    while limit is None or moved < limit:
        received = sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=0,
                                       VisibilityTimeout=60, MessageAttributeNames=["All"]).get("Messages", [])
        if not received:
            break
        entries = [{"Id": str(i), "MessageBody": m["Body"],
                    **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {})}
                   for i, m in enumerate(received)]
        sent = sqs.send_message_batch(QueueUrl=target_url, Entries=entries)
        ok = {entry["Id"] for entry in sent.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received) if str(i) in ok]
        if done:
            sqs.delete_message_batch(QueueUrl=source_url, Entries=done)
        moved += len(done)
        if sent.get("Failed"):
            raise RuntimeError(f"could not send {len(sent['Failed'])} message(s) to {target_url}: {sent['Failed']}")
    return moved


def redrive(sqs, deployment: Deployment, functions: Iterable[str] = ()) -> dict[str, int]:
    """Each named consumer's (default: every consumer's) DLQ back into its queue."""
    queues = deployment.queues()
    chosen = list(functions) or list(queues)
    unknown = set(chosen) - set(queues)
    if unknown:
        raise SystemExit(f"no consumer {sorted(unknown)}; consumers: {sorted(queues)}")
    return {name: move_messages(sqs, queues[name][1], queues[name][0]) for name in chosen}


# -- stream failures ------------------------------------------------------------------------

@dataclass
class ReplayResult:
    replayed_records: int = 0
    resolved_failures: int = 0
    expired: list[str] = field(default_factory=list)  # failures whose records the stream no longer holds


def stream_records(streams, info: dict) -> list[dict]:
    """The records of one failed batch (`DDBStreamBatchInfo` of a Lambda on-failure message)."""
    iterator = streams.get_shard_iterator(StreamArn=info["streamArn"], ShardId=info["shardId"],
                                          ShardIteratorType="AT_SEQUENCE_NUMBER",
                                          SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
    end, wanted, found = int(info["endSequenceNumber"]), int(info.get("batchSize") or 0), []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return found
            found.append({**record, "eventSourceARN": info["streamArn"]})
        if not page["Records"] or (wanted and len(found) >= wanted):
            break
        iterator = page.get("NextShardIterator")
    return found


def replay_stream_failures(sqs, streams, dlq_url: str, invoke: Callable[[dict], dict]) -> ReplayResult:
    """For each failure the publisher's on-failure queue holds, read that batch again from the
    stream and hand it to the publisher (`invoke`: the function, synchronously); the failure is
    deleted once the publisher reports no record failed. Records older than the stream's 24
    hours are gone: those failures are kept and listed (the runbook says what then)."""
    result = ReplayResult()
    seen: set[str] = set()
    while True:
        received = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=0,
                                       VisibilityTimeout=300).get("Messages", [])
        fresh = [m for m in received if m["MessageId"] not in seen]
        if not fresh:
            return result
        for message in fresh:
            seen.add(message["MessageId"])
            info = json.loads(message["Body"]).get("DDBStreamBatchInfo")
            if not info:
                result.expired.append(f"{message['MessageId']}: not a stream failure record")
                continue
            try:
                records = stream_records(streams, info)
            except (streams.exceptions.TrimmedDataAccessException, streams.exceptions.ResourceNotFoundException):
                records = []  # trimmed (older than 24 hours), or its shard is gone
            if not records:
                result.expired.append(f"{message['MessageId']}: {info['shardId']} "
                                      f"{info['startSequenceNumber']}..{info['endSequenceNumber']}")
                continue
            answer = invoke({"Records": records}) or {}
            if answer.get("batchItemFailures"):
                raise RuntimeError(f"the publisher failed again on {answer['batchItemFailures']}: "
                                   "read its logs before replaying more")
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            result.replayed_records += len(records)
            result.resolved_failures += 1


def lambda_invoker(lambda_client, function_name: str) -> Callable[[dict], dict]:
    def invoke(event: dict) -> dict:
        answer = lambda_client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        payload = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError"):
            raise RuntimeError(f"{function_name} failed: {payload}")
        return payload
    return invoke


# -- export ---------------------------------------------------------------------------------

def _query_all(table, **kwargs) -> list[dict]:
    items, start = [], None
    while True:
        page = table.query(**kwargs, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def export_visit(table, visit_id: str) -> dict[str, Any]:
    """Everything stored about one visit (Query only): the visit's own partition (the visit, its
    email guards and sent-email records, the report), every application, and each application's
    partition (learning points, reflections). For a subject access request or an archive."""
    from boto3.dynamodb.conditions import Key

    own = _query_all(table, KeyConditionExpression=Key("pk").eq(f"VISIT#{visit_id}"))
    applications = _query_all(table, IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"VISIT#{visit_id}#APPS"))
    per_application = {a["application_id"]: _query_all(table, KeyConditionExpression=Key("pk").eq(f"APP#{a['application_id']}"))
                       for a in applications}
    if not own and not applications:
        raise SystemExit(f"nothing stored for visit {visit_id}")
    return {"visit_id": visit_id, "visit_items": own, "applications": applications,
            "application_items": per_application}


# -- tearing down ---------------------------------------------------------------------------

RETAINED = (
    ("TableName", "table", "the main table (deletion protection on, retained): every application and report"),
    ("BucketName", "bucket", "the documents bucket (retained, versioned): reports and background material"),
    ("AccessLogBucketName", "bucket", "the bucket's access-log bucket (retained)"),
    ("UserPoolId", "user-pool", "the Cognito user pool (deletion protection on, retained): every account"),
)


def teardown_plan(deployment: Deployment) -> str:
    lines = [f"`cdk destroy {deployment.stack_name}` removes the functions, API, queues, bus, alarms and logs,",
             "and keeps (on purpose, they hold the programme's data):"]
    args = []
    for key, kind, what in RETAINED:
        value = deployment.outputs.get(key)
        if value:
            lines.append(f"  - {what}: {value}")
            args.append(f"--{kind} {value}")
    lines += ["The mail stack (SES identity, configuration set) goes with `cdk destroy --all`; remove the",
              "DKIM records from DNS afterwards. Export what must be kept first (export-visit). Then:",
              f"  python -m infra.ops delete-retained {' '.join(args)} --yes"]
    return "\n".join(lines)


def delete_bucket(s3, bucket: str) -> int:
    """Every version and delete marker, then the bucket. The number of objects removed."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for start in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start:start + 1000], "Quiet": True})
        removed += len(objects)
    s3.delete_bucket(Bucket=bucket)
    return removed


def delete_retained(*, dynamodb=None, s3=None, cognito=None, tables: Iterable[str] = (),
                    buckets: Iterable[str] = (), user_pools: Iterable[str] = ()) -> list[str]:
    done = []
    for name in tables:
        dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
        dynamodb.delete_table(TableName=name)
        done.append(f"deleted table {name}")
    for bucket in buckets:
        done.append(f"deleted bucket {bucket} ({delete_bucket(s3, bucket)} object versions)")
    for pool in user_pools:
        cognito.update_user_pool(UserPoolId=pool, DeletionProtection="INACTIVE")
        cognito.delete_user_pool(UserPoolId=pool)
        done.append(f"deleted user pool {pool}")
    return done


# -- command line ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.ops", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default=STACK_NAME, help=f"the service's stack (default {STACK_NAME})")
    commands = parser.add_subparsers(dest="command", required=True)
    user = commands.add_parser("create-user", help="invite a member or a coordinator")
    user.add_argument("email")
    user.add_argument("--name", required=True)
    user.add_argument("--organisation", default="")
    user.add_argument("--coordinator", action="store_true")
    dlq = commands.add_parser("redrive", help="move dead letters back to their queues")
    dlq.add_argument("functions", nargs="*", help=f"consumers (default all: {', '.join(topology.consumers())})")
    commands.add_parser("replay-stream-failures", help="re-publish the changes the publisher gave up on")
    export = commands.add_parser("export-visit", help="everything stored about one visit, as JSON")
    export.add_argument("visit_id")
    export.add_argument("--out", default="-")
    commands.add_parser("teardown", help="what cdk destroy keeps, and how to remove it")
    retained = commands.add_parser("delete-retained", help="remove what cdk destroy kept (irreversible)")
    retained.add_argument("--table", action="append", default=[])
    retained.add_argument("--bucket", action="append", default=[])
    retained.add_argument("--user-pool", action="append", default=[])
    retained.add_argument("--yes", action="store_true", help="really delete")
    args = parser.parse_args(argv)

    import boto3

    if args.command == "delete-retained":
        if not args.yes:
            print("refusing without --yes: this deletes the programme's data for good", file=sys.stderr)
            return 2
        for line in delete_retained(dynamodb=boto3.client("dynamodb"), s3=boto3.client("s3"),
                                    cognito=boto3.client("cognito-idp"), tables=args.table,
                                    buckets=args.bucket, user_pools=args.user_pool):
            print(line)
        return 0
    deployment = Deployment.of(boto3.client("cloudformation"), args.stack)
    if args.command == "create-user":
        print(create_user(boto3.client("cognito-idp"), deployment.output("UserPoolId"), args.email, args.name,
                          organisation=args.organisation, coordinator=args.coordinator))
    elif args.command == "redrive":
        for name, moved in redrive(boto3.client("sqs"), deployment, args.functions).items():
            print(f"{name}: {moved} message(s) back in its queue")
    elif args.command == "replay-stream-failures":
        result = replay_stream_failures(
            boto3.client("sqs"), boto3.client("dynamodbstreams"), deployment.output("StreamFailuresDlqUrl"),
            lambda_invoker(boto3.client("lambda"), deployment.output("PublisherFunctionName")))
        print(f"{result.resolved_failures} failure(s) replayed ({result.replayed_records} record(s))")
        for expired in result.expired:
            print(f"gone from the stream (kept in the queue): {expired}")
        return 1 if result.expired else 0
    elif args.command == "export-visit":
        table = boto3.resource("dynamodb").Table(deployment.output("TableName"))
        text = json.dumps(export_visit(table, args.visit_id), indent=1, default=str)
        if args.out == "-":
            print(text)
        else:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(text)
    elif args.command == "teardown":
        print(teardown_plan(deployment))
    return 0


if __name__ == "__main__":
    sys.exit(main())
