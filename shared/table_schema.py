"""Key schema of the tables, read by the CDK app, the local stack and the tests alike."""
from __future__ import annotations

from dataclasses import dataclass

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


# gsi1: applications of a visit, visits list; gsi2: by applicant email; gsi3: by submitting member.
INDEXES: tuple[Index, ...] = (
    Index("gsi1", "gsi1pk", "gsi1sk"),
    Index("gsi2", "gsi2pk", "gsi2sk"),
    Index("gsi3", "gsi3pk", "gsi3sk"),
)

# Powertools idempotency records (its default attribute names).
IDEMPOTENCY_PARTITION_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


def dynamodb_create_table_kwargs(table_name: str) -> dict:
    """boto3 create_table arguments for the main table (moto and tests)."""
    attributes = {PARTITION_KEY, SORT_KEY} | {k for i in INDEXES for k in (i.partition_key, i.sort_key)}
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                      {"AttributeName": SORT_KEY, "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "GlobalSecondaryIndexes": [
            {"IndexName": i.name,
             "KeySchema": [{"AttributeName": i.partition_key, "KeyType": "HASH"},
                           {"AttributeName": i.sort_key, "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}
            for i in INDEXES
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "SSESpecification": {"Enabled": True},
    }


def idempotency_create_table_kwargs(table_name: str) -> dict:
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
