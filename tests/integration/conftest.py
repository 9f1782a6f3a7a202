"""Adapters and handlers over moto: the resources are built from the same declarations as CDK's.

One emulated account per test module (starting moto and building its clients costs seconds
on this machine); before each test its resources are made new again (the tables dropped and
created, the bucket, queues, rules and sent mail emptied), which costs a few milliseconds.
"""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared.table_schema import dynamodb_create_table_kwargs, idempotency_create_table_kwargs
from tests.conftest import TEST_ENV


def _clear_caches() -> None:
    from shared.http import idempotency
    from shared.adapters import bus, documents, table

    for cached in (table._table, bus._client, documents._client, idempotency._runner):
        cached.cache_clear()


class Account:
    """The module's emulated account, and how to make its resources new."""

    def __init__(self):
        self.dynamodb, self.events = boto3.client("dynamodb"), boto3.client("events")
        self.s3, self.sqs, self.ses = boto3.client("s3"), boto3.client("sqs"), boto3.client("ses")
        self.events.create_event_bus(Name=TEST_ENV["EVENT_BUS_NAME"])
        self.s3.create_bucket(Bucket=TEST_ENV["BUCKET_NAME"],
                              CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        self.ses.verify_email_identity(EmailAddress=TEST_ENV["MAIL_FROM"])

    def renew(self) -> None:
        existing = set(self.dynamodb.list_tables()["TableNames"])
        for name, kwargs in ((TEST_ENV["TABLE_NAME"], dynamodb_create_table_kwargs),
                             (TEST_ENV["IDEMPOTENCY_TABLE_NAME"], idempotency_create_table_kwargs)):
            if name in existing:
                self.dynamodb.delete_table(TableName=name)
            self.dynamodb.create_table(**kwargs(name))
        bus = TEST_ENV["EVENT_BUS_NAME"]
        for rule in self.events.list_rules(EventBusName=bus)["Rules"]:
            targets = self.events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
            if targets:
                self.events.remove_targets(Rule=rule["Name"], EventBusName=bus, Ids=[t["Id"] for t in targets])
            self.events.delete_rule(Name=rule["Name"], EventBusName=bus)
        for url in self.sqs.list_queues().get("QueueUrls", []):
            self.sqs.delete_queue(QueueUrl=url)
        listed = self.s3.list_objects_v2(Bucket=TEST_ENV["BUCKET_NAME"]).get("Contents", [])
        if listed:
            self.s3.delete_objects(Bucket=TEST_ENV["BUCKET_NAME"],
                                   Delete={"Objects": [{"Key": o["Key"]} for o in listed]})
        self._sent_mail().clear()

    @staticmethod
    def _sent_mail() -> list:
        from moto.ses.models import ses_backends

        return ses_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]].sent_messages


@pytest.fixture(scope="module")
def aws_account():
    from local import (attribute_values, dispatch, event_paths, in_process, item_sizes, moto_helpers, signing,
                       transactions, update_expressions)

    # moto's TransactWriteItems as the local stack runs it: the same answers (tests/integration/
    # test_local_transactions.py), but it keeps a copy of the items a transaction touches, not of
    # the whole table for every item (the sweep's batched deletes of 620 timers took ~4 minutes).
    transactions.install()
    # And the rest of moto's and botocore's per-call waste the local stack leaves out (local/emulation.py),
    # each with its test here comparing answers with moto's or botocore's own (test_local_*.py).
    for replacement in (dispatch, update_expressions, event_paths, signing, attribute_values, item_sizes, moto_helpers,
                        in_process):
        replacement.install()
    with mock_aws():
        _clear_caches()
        yield Account()
    _clear_caches()


@pytest.fixture
def aws(aws_account):
    aws_account.renew()
    yield aws_account
