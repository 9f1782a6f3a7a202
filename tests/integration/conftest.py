"""Adapters and handlers over moto: the resources are built from the same declarations as CDK's."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared.table_schema import dynamodb_create_table_kwargs, idempotency_create_table_kwargs
from tests.conftest import TEST_ENV


@pytest.fixture
def aws():
    from shared.adapters import bus, documents, table
    from shared import http

    with mock_aws():
        for cached in (table._table, bus._client, documents._client, http._idempotent_runner):
            cached.cache_clear()
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(**dynamodb_create_table_kwargs(TEST_ENV["TABLE_NAME"]))
        dynamodb.create_table(**idempotency_create_table_kwargs(TEST_ENV["IDEMPOTENCY_TABLE_NAME"]))
        boto3.client("events").create_event_bus(Name=TEST_ENV["EVENT_BUS_NAME"])
        boto3.client("s3").create_bucket(Bucket=TEST_ENV["BUCKET_NAME"],
                                         CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        boto3.client("ses").verify_email_identity(EmailAddress=TEST_ENV["MAIL_FROM"])
        yield
