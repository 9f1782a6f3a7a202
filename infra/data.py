"""What the service keeps: the main table (from `shared.table_schema`), the idempotency table and the
bucket with its access-log bucket. Built in the stack's own scope, so their logical ids are the stack's."""
from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from shared import table_schema


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def main_table(scope: Construct) -> dynamodb.Table:
    table = dynamodb.Table(
        scope, "Table",
        partition_key=_string(table_schema.PARTITION_KEY),
        sort_key=_string(table_schema.SORT_KEY),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        time_to_live_attribute=table_schema.TTL_ATTRIBUTE,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        # Personal data and the programme's history: neither a stack update nor `cdk destroy`
        # may delete it (docs/OPERATIONS.md, "Tearing down").
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    for index in table_schema.INDEXES:
        table.add_global_secondary_index(
            index_name=index.name, partition_key=_string(index.partition_key), sort_key=_string(index.sort_key),
            projection_type=dynamodb.ProjectionType.ALL)
    return table


def idempotency_table(scope: Construct) -> dynamodb.Table:
    return dynamodb.Table(
        scope, "IdempotencyTable",
        partition_key=_string(table_schema.IDEMPOTENCY_PARTITION_KEY),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=table_schema.IDEMPOTENCY_TTL_ATTRIBUTE,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        # Idempotency records live for an hour; nothing to keep after the stack is gone.
        removal_policy=RemovalPolicy.DESTROY,
    )


def buckets(scope: Construct, *, retention_days: int) -> tuple[s3.Bucket, s3.Bucket]:
    """The bucket (reports, material; objects expire `retention_days` after they were written) and the
    bucket its server access logs go to."""
    access_logs = s3.Bucket(
        scope, "AccessLogBucket",
        encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 server access logging supports
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
        removal_policy=RemovalPolicy.RETAIN,
    )
    bucket = s3.Bucket(
        scope, "Bucket",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="bucket/",
        lifecycle_rules=[s3.LifecycleRule(
            id="retention",
            expiration=Duration.days(retention_days),
            noncurrent_version_expiration=Duration.days(30),
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )],
        removal_policy=RemovalPolicy.RETAIN,
    )
    return bucket, access_logs
