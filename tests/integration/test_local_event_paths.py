"""The local stack's EventBridge delivery (local/event_paths.py): the same messages as moto's own."""
from __future__ import annotations

import json

import boto3
import jsonpath_ng.ext
from moto.events.utils import EventTemplateParser

from local import event_paths
from tests.conftest import TEST_ENV

BUS = TEST_ENV["EVENT_BUS_NAME"]
EVENT = {"version": "0", "id": "e-1", "detail-type": "ApplicationSubmitted", "source": "programme.intake",
         "account": "123456789012", "time": "2017-01-02T09:00:00Z", "region": "eu-west-2",
         "resources": ["arn:x"], "detail": {"application_id": "a1", "nested": {"list": [1, "two", None]}},
         "ingestion-time": 1483347600.0}


def delivered() -> list[dict]:
    """What a rule's queue receives for three events (their ids and times left out)."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    url = sqs.create_queue(QueueName="paths-test")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="paths-test", EventBusName=BUS, EventPattern=json.dumps({"source": ["programme.intake"]}))
    events.put_targets(Rule="paths-test", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[{"EventBusName": BUS, "Source": "programme.intake", "DetailType": f"Kind{index}",
                                "Detail": json.dumps({"index": index, "deep": {"list": [index, "x"]}})}
                               for index in range(3)])
    bodies = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        body = json.loads(message["Body"])
        bodies.append({k: v for k, v in body.items() if k not in ("id", "time")})
    sqs.delete_queue(QueueUrl=url)
    events.remove_targets(Rule="paths-test", EventBusName=BUS, Ids=["q"])
    events.delete_rule(Name="paths-test", EventBusName=BUS)
    return sorted(bodies, key=lambda body: body["detail-type"])


def test_events_are_delivered_as_moto_itself_delivers_them(aws, monkeypatch):
    event_paths.install()
    cached, found = delivered(), found_by_default_paths()
    monkeypatch.setattr(jsonpath_ng.ext, "parse", jsonpath_ng.ext.parse.__wrapped__)
    assert cached == delivered()
    assert found == found_by_default_paths()
    assert [body["detail"]["index"] for body in cached] == [0, 1, 2]
    assert found["detail"] == [EVENT["detail"]]


def found_by_default_paths() -> dict[str, list]:
    """What each input path of moto's default event template finds in an event (twice: the second
    time from the kept parse)."""
    paths = EventTemplateParser.DEFAULT_EVENT_INPUT_PATHS_MAP
    first = {name: [m.value for m in jsonpath_ng.ext.parse(path).find(EVENT)] for name, path in paths.items()}
    assert first == {name: [m.value for m in jsonpath_ng.ext.parse(path).find(EVENT)] for name, path in paths.items()}
    return first


def test_a_path_is_parsed_once(monkeypatch):
    event_paths.install()
    assert jsonpath_ng.ext.parse("$.detail") is jsonpath_ng.ext.parse("$.detail")
    assert [m.value for m in jsonpath_ng.ext.parse("$.detail.nested.list").find(EVENT)] == [[1, "two", None]]
