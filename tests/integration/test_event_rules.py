"""The bus's rules (shared/topology.py RULES) as EventBridge applies them: which events reach which function."""
from __future__ import annotations

import json

import boto3

from shared.topology import EVENT_SOURCE, RULES
from tests.conftest import TEST_ENV

BUS = TEST_ENV["EVENT_BUS_NAME"]


def test_a_move_within_the_waiting_list_invokes_nothing_and_joining_it_reaches_the_allocation(aws):
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queues = {}
    for rule in RULES:
        if rule.function not in queues:
            url = sqs.create_queue(QueueName=f"{rule.function}-rules")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            queues[rule.function] = (url, arn)
        events.put_rule(Name=rule.name, EventBusName=BUS, EventPattern=json.dumps(rule.pattern()))
        events.put_targets(Rule=rule.name, EventBusName=BUS, Targets=[{"Id": "q", "Arn": queues[rule.function][1]}])

    def put(detail_type: str, **detail) -> None:
        events.put_events(Entries=[{"Source": EVENT_SOURCE, "DetailType": detail_type, "EventBusName": BUS,
                                    "Detail": json.dumps({"version": 1, "visit_id": "v1", **detail})}])

    put("ApplicationWaitlisted", application_id="joined", position=3, first=True)
    put("ApplicationWaitlisted", application_id="moved", position=2, first=False)
    put("ApplicationOffered", application_id="offered")

    def reached(function: str) -> list[str]:
        url = queues[function][0]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return sorted(json.loads(m["Body"])["detail"]["application_id"] for m in messages)

    assert reached("allocation") == ["joined", "offered"]
    assert all(reached(function) == [] for function in queues if function != "allocation")
