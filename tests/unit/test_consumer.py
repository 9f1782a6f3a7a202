"""A consumer checks each event's detail and version against its contract before it reacts."""
from __future__ import annotations

from shared import store
from shared.consumer import Consumer
from shared.models.events import ApplicationWithdrawn, TimerFired
from tests.helpers import Context, envelope, sqs_event

WITHDRAWN = {"version": 1, "visit_id": "v1", "application_id": "a1", "organisation": "Kent Police",
             "previous_status": "offered"}


STORES = store.in_memory()


def consumer():
    seen: list = []

    def react(stores: store.Stores, event) -> None:
        assert stores is STORES  # the consumer's stores, passed in
        seen.append(event)

    return seen, Consumer({ApplicationWithdrawn: react}, timers={"offer_expiry": react}, stores=lambda: STORES)


def test_the_reaction_gets_the_consumer_s_stores_and_the_event_as_its_model():
    seen, consume = consumer()
    assert consume(sqs_event(envelope("ApplicationWithdrawn", {**WITHDRAWN, "event_id": "e1"})), Context()) == {
        "batchItemFailures": []}
    assert seen == [ApplicationWithdrawn(**WITHDRAWN, event_id="e1")]
    assert seen[0].previous_status == "offered"


def test_a_detail_that_breaks_its_contract_or_has_an_unknown_version_fails_only_its_own_message():
    seen, consume = consumer()
    batch = sqs_event(envelope("ApplicationWithdrawn", {**WITHDRAWN, "version": 2}),
                      envelope("ApplicationWithdrawn", {k: v for k, v in WITHDRAWN.items() if k != "visit_id"}),
                      envelope("ApplicationWithdrawn", WITHDRAWN))
    failed = [f["itemIdentifier"] for f in consume(batch, Context())["batchItemFailures"]]
    assert failed == [r["messageId"] for r in batch["Records"][:2]]
    assert len(seen) == 1


def test_timers_go_to_the_reaction_for_their_kind_and_others_are_let_by():
    seen, consume = consumer()
    fired = {"version": 1, "kind": "offer_expiry", "timer_id": "expiry#a1", "due_at": "2027-01-12T00:00:00Z",
             "visit_id": "v1", "application_id": "a1"}
    other = {**fired, "kind": "communication"}
    assert consume(sqs_event(envelope("TimerFired", fired), envelope("TimerFired", other),
                             envelope("VisitCreated", {"version": 1, "visit_id": "v1"})),
                   Context()) == {"batchItemFailures": []}
    assert seen == [TimerFired(**fired)]
    assert consume.detail_types == {"ApplicationWithdrawn", "TimerFired"}
