"""Transient AWS failures (shared/adapters/faults.py): injected, retried, and never read as a conflict of state."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from shared.adapters import faults, table
from shared.adapters.mailer import Email, RecordingMailer, SesMailer
from shared.models.visit import Visit
from shared.services import outbound
from shared.store import dynamodb


@pytest.fixture(autouse=True)
def no_faults_after():
    yield
    faults.disable()


@pytest.fixture
def no_pauses(monkeypatch):
    monkeypatch.setattr(faults, "backoff", lambda attempt: 0.0)


def conflict(operation: str = "TransactWriteItems", reasons=("None", "TransactionConflict")) -> ClientError:
    return ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                        "CancellationReasons": [{"Code": r} for r in reasons]}, operation)


def test_the_switch_cannot_be_turned_on_in_a_lambda_runtime(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "peer-learning-visits-intake")
    with pytest.raises(RuntimeError):
        faults.enable(0.3)
    assert faults.rate() == 0


def test_only_transient_failures_are_retried():
    assert faults.transient(conflict())
    assert not faults.transient(conflict(reasons=("ConditionalCheckFailed", "TransactionConflict")))
    assert faults.transient(ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "PutItem"))
    assert not faults.transient(ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem"))
    assert not faults.transient(ValueError("not AWS"))


def test_a_transaction_conflict_is_retried_and_then_succeeds(aws, monkeypatch, no_pauses):
    client = table._table().meta.client
    real, calls = client.transact_write_items, []

    def conflicting_twice(**kwargs):
        calls.append(kwargs)
        if len(calls) <= 2:
            raise conflict()
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", conflicting_twice)
    table.transact([table.op_put({"pk": "A", "sk": "1"}, condition="attribute_not_exists(pk)")])

    assert len(calls) == 3
    assert table.get("A", "1") == {"pk": "A", "sk": "1"}


def test_a_transaction_that_keeps_conflicting_is_not_a_failed_condition(aws, monkeypatch, no_pauses):
    client = table._table().meta.client
    monkeypatch.setattr(client, "transact_write_items", lambda **kwargs: (_ for _ in ()).throw(conflict()))

    with pytest.raises(ClientError) as raised:
        table.transact([table.op_put({"pk": "A", "sk": "1"})])

    assert not isinstance(raised.value, table.ConditionFailed)
    assert raised.value.response["CancellationReasons"][1]["Code"] == "TransactionConflict"


def test_a_failed_condition_in_a_transaction_is_condition_failed(aws):
    table.put({"pk": "A", "sk": "1"})
    with pytest.raises(table.ConditionFailed):
        table.transact([table.op_put({"pk": "A", "sk": "1"}, condition="attribute_not_exists(pk)"),
                        table.op_put({"pk": "B", "sk": "1"})])
    assert table.get("B", "1") is None


def test_with_faults_on_every_write_still_lands_once(aws, no_pauses):
    faults.enable(0.3, seed=7)
    for index in range(60):
        table.put({"pk": "P", "sk": f"{index:03}"}, condition="attribute_not_exists(pk)")
        table.transact([table.op_put({"pk": "T", "sk": f"{index:03}"}, condition="attribute_not_exists(pk)")])
    faults.disable()

    assert len(table.query("P")) == 60 and len(table.query("T")) == 60
    assert faults.injected()["table_write"] > 5 and faults.injected()["transaction"] > 5


def _visit() -> Visit:
    at = datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc)
    return Visit(visit_id="v1", title="Wellbeing", theme="Wellbeing", venue="Preston",
                 starts_at=at + timedelta(days=30), capacity=2, applications_close_at=at + timedelta(days=10),
                 host={"organisation": "Lancashire Constabulary", "contact_name": "Sam Host",
                       "contact_email": "host@lancs.example"}, created_at=at, updated_at=at)


def test_a_failed_send_gives_its_claim_back_so_the_retry_sends(aws):
    class FailingOnce(RecordingMailer):
        failures = 1

        def send(self, email):
            if self.failures:
                self.failures -= 1
                raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
            return super().send(email)

    mailer = FailingOnce()
    outbound.use_mailer(mailer)
    email = Email(to=("alex@force.example",), subject="Your place", text="text", html="<p>html</p>")
    visit = _visit()
    try:
        with pytest.raises(ClientError):
            outbound.send_once(dynamodb(), visit=visit, kind="offer", occasion="a1", recipient="alex@force.example",
                               email=email)
        assert outbound.sent_records(dynamodb(), "v1") == []  # nothing claimed any more

        # The event's redelivery (SQS, a few minutes later: the claim would not be stale yet).
        assert outbound.send_once(dynamodb(), visit=visit, kind="offer", occasion="a1",
                                  recipient="alex@force.example", email=email) is True
        assert outbound.send_once(dynamodb(), visit=visit, kind="offer", occasion="a1",
                                  recipient="alex@force.example", email=email) is False
    finally:
        outbound.use_mailer(None)
    assert [e.subject for e in mailer.sent] == ["Your place"]


def test_a_sent_email_is_marked_through_a_streak_of_throttled_writes_that_would_stop_another_write(
        aws, monkeypatch, no_pauses):
    """Once the email is out its record must say so: the mark (and a release after a failed send) is tried
    for longer than an ordinary write, which gives up after faults.ATTEMPTS."""
    from shared.store.sent import SETTLING_ATTEMPTS

    mailer = RecordingMailer()
    outbound.use_mailer(mailer)
    visit = _visit()
    streak = faults.ATTEMPTS + 2  # more throttled tries in a row than an ordinary write survives
    assert streak < SETTLING_ATTEMPTS
    real_send, throttled = mailer.send, []

    def send_then_throttle_the_table(email):
        message_id = real_send(email)
        throttled.extend(["PutItem"] * streak)  # the writes right after the send: the mark's
        return message_id

    def check(kind, operation):
        if kind == "table_write" and throttled:
            throttled.pop()
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, operation)

    monkeypatch.setattr(mailer, "send", send_then_throttle_the_table)
    monkeypatch.setattr(faults, "check", check)
    email = Email(to=("alex@force.example",), subject="Your place", text="text", html="<p>html</p>")
    try:
        assert outbound.send_once(dynamodb(), visit=visit, kind="offer", occasion="a1",
                                  recipient="alex@force.example", email=email) is True
    finally:
        outbound.use_mailer(None)
    [record] = outbound.sent_records(dynamodb(), "v1")
    assert record.sent_at is not None and throttled == []
    with pytest.raises(ClientError):  # an ordinary write gives up on such a streak
        throttled.extend(["PutItem"] * streak)
        table.put({"pk": "OTHER", "sk": "1"})


def test_the_ses_mailer_retries_a_throttled_send(aws, no_pauses):
    faults.enable(0.5, seed=3, kinds=("email_send",))
    mailer = SesMailer(sender=os.environ["MAIL_FROM"], now=lambda: datetime(2030, 1, 1, tzinfo=timezone.utc))
    sent = [mailer.send(Email(to=(f"p{i}@force.example",), subject=f"s{i}", text="t", html="h")) for i in range(20)]
    faults.disable()

    assert len(set(sent)) == 20
    assert faults.injected()["email_send"] > 0


def test_an_event_the_bus_refuses_is_put_again_and_then_reported(aws, no_pauses):
    from shared.adapters import bus

    faults.enable(0.3, seed=11, kinds=("event_put",))
    for index in range(20):
        bus.publish(f"e{index}", "VisitUpdated", {"version": 1, "visit_id": "v1"})
    assert faults.injected()["event_put"] > 0

    faults.enable(0.99, seed=1, kinds=("event_put",))
    with pytest.raises(bus.PublishFailed):
        bus.publish("refused", "VisitUpdated", {"version": 1, "visit_id": "v1"})
