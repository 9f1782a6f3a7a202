"""The stores' contract: every test here runs against DynamoDB (over moto, the table built from
the same key schema as CDK's) and against the in-memory stores, which must behave the same."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared import store
from shared.table_schema import dynamodb_create_table_kwargs
from tests.conftest import TEST_ENV


@pytest.fixture(scope="module")
def dynamodb_client():
    """One emulated account per module (starting moto costs seconds; a new table, milliseconds)."""
    from shared.adapters import table

    with mock_aws():
        table._table.cache_clear()
        yield boto3.client("dynamodb")
    table._table.cache_clear()


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request):
    if request.param == "memory":
        return store.in_memory()
    client = request.getfixturevalue("dynamodb_client")
    name = TEST_ENV["TABLE_NAME"]
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(**dynamodb_create_table_kwargs(name))
    return store.dynamodb()
