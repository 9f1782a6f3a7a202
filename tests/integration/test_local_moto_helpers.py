"""moto's helpers as the local stack runs them (local/moto_helpers.py): the same answers as moto's own."""
from __future__ import annotations

import datetime

import pytest

from moto.core import utils

from local import moto_helpers

moto_helpers.install()
MOTO_UNIX_TIME = moto_helpers._originals["unix_time"]
MOTO_CAMEL = moto_helpers._originals["camelcase_to_underscores"]


def test_unix_time_answers_as_moto_s_for_given_moments_and_now(monkeypatch):
    for moment in (datetime.datetime(1970, 1, 1), datetime.datetime(2017, 1, 19, 10, 0, 0, 123456),
                   datetime.datetime(2038, 1, 19, 3, 14, 8), datetime.datetime(1969, 12, 31, 23, 59, 59)):
        assert utils.unix_time(moment) == MOTO_UNIX_TIME(moment)
        assert utils.unix_time_millis(moment) == MOTO_UNIX_TIME(moment) * 1000.0
    frozen = datetime.datetime(2031, 1, 6, 9, 30, 0, 500)
    monkeypatch.setattr(utils, "utcnow", lambda: frozen)  # a moved clock is still read at each call
    assert utils.unix_time() == MOTO_UNIX_TIME() == MOTO_UNIX_TIME(frozen)


def test_names_convert_as_moto_converts_them():
    from moto.core import responses
    from moto.sqs import models

    for name in ("GetItem", "TransactWriteItems", "ApproximateNumberOfMessagesNotVisible", "KmsMasterKeyId",
                 "SSEType", "already_snake", "", "ListObjectsV2"):
        assert responses.camelcase_to_underscores(name) == models.camelcase_to_underscores(name) == MOTO_CAMEL(name)
        assert responses.camelcase_to_underscores(name) == MOTO_CAMEL(name)  # the second time from the cache


def test_a_message_is_retained_as_moto_reads_the_queue_s_retention_period(aws):
    import boto3
    from moto.sqs.models import SQSBackend, sqs_backends

    from tests.conftest import TEST_ENV

    sqs = boto3.client("sqs")
    sqs.create_queue(QueueName="retained", Attributes={"MessageRetentionPeriod": "60"})
    backend = sqs_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]]
    queue = backend.get_queue("retained")
    for _ in range(3):
        sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="retained")["QueueUrl"],
                         MessageBody="m")
    now_ms = utils.unix_time_millis()
    for message, age_seconds in zip(queue._messages, (0, 59, 61)):
        message.sent_timestamp = int(now_ms - age_seconds * 1000)
    ours = [SQSBackend.is_message_valid_based_on_retention_period(backend, "retained", m) for m in queue._messages]
    assert ours == [moto_helpers._originals["retained"](backend, "retained", m) for m in queue._messages]
    assert ours == [True, True, False]


def test_random_strings_are_moto_s_length_and_characters_and_follow_its_seed():
    import string

    from moto.moto_api._internal import mock_random
    from moto.utilities.aws_headers import gen_amzn_requestid_long

    headers: dict = {}
    request_id = gen_amzn_requestid_long(headers)
    assert headers["x-amzn-requestid"] == request_id
    assert len(request_id) == 52 and set(request_id) <= set(string.ascii_letters + string.digits)
    assert len({gen_amzn_requestid_long() for _ in range(200)}) == 200
    assert set("".join(mock_random.get_random_string(40, include_digits=False) for _ in range(50))) \
        <= set(string.ascii_letters)
    lowered = mock_random.get_random_string(30, lower_case=True)
    assert len(lowered) == 30 and lowered == lowered.lower()
    assert mock_random.get_random_string() and len(mock_random.get_random_string()) == 20  # moto's default length
    mock_random.seed(2017)
    first = [mock_random.get_random_string(52) for _ in range(3)]
    mock_random.seed(2017)
    assert [mock_random.get_random_string(52) for _ in range(3)] == first  # moto's seed still makes ids repeatable


def test_the_current_time_is_moto_s_naive_utc_read_at_each_call():
    import time

    before = moto_helpers._originals["utcnow"]()
    ours = utils.utcnow()
    time.sleep(0.002)
    later = utils.utcnow()
    after = moto_helpers._originals["utcnow"]()
    assert ours.tzinfo is None and before <= ours < later <= after


def test_a_queue_s_approximate_counts_are_moto_s_and_sending_still_reads_its_deduplication(aws):
    import boto3

    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="counted")["QueueUrl"]
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}", DelaySeconds=60 if n == 4 else 0)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert counts == {"ApproximateNumberOfMessages": "2", "ApproximateNumberOfMessagesNotVisible": "2",
                      "ApproximateNumberOfMessagesDelayed": "1"}
    fifo = sqs.create_queue(QueueName="deduplicated.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=fifo, MessageBody="the same", MessageGroupId="g")
    assert len(sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]) == 1
    plain = sqs.create_queue(QueueName="needs-an-id.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(sqs.exceptions.ClientError, match="ContentBasedDeduplication"):
        sqs.send_message(QueueUrl=plain, MessageBody="no id", MessageGroupId="g")
