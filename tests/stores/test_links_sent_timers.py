"""Links, sent records and timers: the same answers from DynamoDB and from memory."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from shared.store.links import StoredLink
from shared.store.sent import SentRecord
from shared.store.timers import NOTHING_LEFT, Timer, sort_key

T0 = datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc)
ENDS = datetime(2027, 2, 1, 16, 0, tzinfo=timezone.utc)
VISIT = SimpleNamespace(starts_at=ENDS - timedelta(hours=6), ends_at=ENDS)


# --- links -------------------------------------------------------------------------------------

def test_a_link_is_found_by_its_digest_only(stores):
    stores.links.add(StoredLink("d1", "a1", "confirm", T0))
    assert stores.links.find("d1") == StoredLink("d1", "a1", "confirm", T0)
    assert stores.links.find("d2") is None


# --- sent records ------------------------------------------------------------------------------

def record(recipient: str = "Ann@Kent.example", **changes) -> SentRecord:
    return SentRecord(**{"visit_id": "v1", "kind": "offer", "occasion": "a1#x", "recipient": recipient,
                         "claimed_at": T0, "due_at": T0, "subject": "Your place", "application_id": "a1",
                         **changes})


def test_a_claim_wins_once_and_the_record_says_when_it_was_sent(stores):
    claim = stores.sent.claim(record(), visit=VISIT, stale_before=T0 - timedelta(minutes=10))
    assert claim == record(keep_until=ENDS + timedelta(weeks=6, days=365))
    assert stores.sent.claim(record(), visit=VISIT, stale_before=T0 - timedelta(minutes=10)) is None
    assert stores.sent.find("v1", "offer", "a1#x", "ann@kent.example") == claim
    marked = stores.sent.mark_sent(claim, sent_at=T0 + timedelta(seconds=1), message_id="m1")
    found = stores.sent.find("v1", "offer", "a1#x", "ANN@kent.example")
    assert marked == found == record(sent_at=T0 + timedelta(seconds=1), message_id="m1", keep_until=ENDS + timedelta(weeks=6, days=365))
    # A retried mark (its first answer lost) changes nothing; another message id is not this sender's.
    assert stores.sent.mark_sent(claim, sent_at=T0 + timedelta(seconds=2), message_id="m1").message_id == "m1"
    import pytest

    from shared.errors import Conflict

    with pytest.raises(Conflict):
        stores.sent.mark_sent(claim, sent_at=T0 + timedelta(seconds=3), message_id="m2")
    assert stores.sent.find("v1", "offer", "a1#x", "ann@kent.example").message_id == "m1"
    # Once sent, never again, however old the claim.
    assert not stores.sent.claim(record(claimed_at=T0 + timedelta(days=1)), visit=VISIT, stale_before=T0 + timedelta(days=1))


def test_a_stale_unsent_claim_may_be_taken_again(stores):
    assert stores.sent.claim(record(), visit=VISIT, stale_before=T0 - timedelta(minutes=10))
    later = T0 + timedelta(minutes=5)
    assert not stores.sent.claim(record(claimed_at=later), visit=VISIT, stale_before=later - timedelta(minutes=10))
    much_later = T0 + timedelta(minutes=11)
    assert stores.sent.claim(record(claimed_at=much_later), visit=VISIT, stale_before=much_later - timedelta(minutes=10))
    assert stores.sent.find("v1", "offer", "a1#x", "ann@kent.example").claimed_at == much_later


def test_a_claim_taken_again_is_no_longer_the_first_sender_s_to_mark(stores):
    import pytest

    from shared.errors import Conflict

    first = stores.sent.claim(record(), visit=VISIT, stale_before=T0 - timedelta(minutes=10))
    much_later = T0 + timedelta(minutes=11)
    second = stores.sent.claim(record(claimed_at=much_later), visit=VISIT, stale_before=much_later - timedelta(minutes=10))
    with pytest.raises(Conflict):
        stores.sent.mark_sent(first, sent_at=much_later, message_id="m-first")
    assert stores.sent.mark_sent(second, sent_at=much_later, message_id="m-second").message_id == "m-second"
    assert stores.sent.find("v1", "offer", "a1#x", "ann@kent.example").message_id == "m-second"


def test_marking_what_was_never_claimed_is_a_conflict(stores):
    import pytest

    from shared.errors import Conflict

    with pytest.raises(Conflict):
        stores.sent.mark_sent(record(), sent_at=T0, message_id="m1")


def test_records_of_a_visit_by_kind_and_occasion(stores):
    for kind, occasion, to in (("offer", "a1#x", "b@x.example"), ("calendar_update", "call1", "a@x.example"),
                               ("calendar_update", "date2", "a@x.example"), ("offer", "a2#x", "c@x.example")):
        stores.sent.claim(record(to, kind=kind, occasion=occasion), visit=VISIT, stale_before=T0)
    stores.sent.claim(record(visit_id="v2"), visit=VISIT, stale_before=T0)
    assert [(r.kind, r.occasion) for r in stores.sent.of_visit("v1")] == [
        ("calendar_update", "call1"), ("calendar_update", "date2"), ("offer", "a1#x"), ("offer", "a2#x")]
    assert [r.occasion for r in stores.sent.of_visit("v1", kind="calendar_update", occasion_prefix="call")] == ["call1"]
    assert stores.sent.of_visit("v3") == []


def test_a_communication_that_went_to_no_one_is_recorded_once_with_its_first_reason(stores):
    skipped = record("-", kind="visit_reminder_7d", occasion="date1", application_id=None, subject="",
                     reason="no one held a place when it was due")
    assert stores.sent.skip(record(kind="visit_reminder_7d", occasion="date1", application_id=None, subject="",
                                   reason="no one held a place when it was due"), visit=VISIT)
    assert not stores.sent.skip(replace(skipped, reason="another"), visit=VISIT)
    [found] = stores.sent.of_visit("v1", kind="visit_reminder_7d")
    assert found == replace(skipped, keep_until=ENDS + timedelta(weeks=6, days=365))
    assert found.skipped and found.sent_at is None and found.reason == "no one held a place when it was due"
    assert not record().skipped


# --- timers ------------------------------------------------------------------------------------

def test_due_timers_in_due_order_and_the_same_timer_twice_is_one(stores):
    stores.timers.schedule(Timer("offer_expiry", T0 + timedelta(hours=2), "expiry#a1", {"application_id": "a1"}))
    stores.timers.schedule(Timer("applications_close", T0, "close#v1", {"visit_id": "v1"}))
    stores.timers.schedule(Timer("applications_close", T0, "close#v1", {"visit_id": "v1"}))
    assert stores.timers.due(T0 - timedelta(seconds=1)) == []
    assert stores.timers.due(T0) == [Timer("applications_close", T0, "close#v1", {"visit_id": "v1"})]
    assert [t.timer_id for t in stores.timers.due(T0 + timedelta(days=1))] == ["close#v1", "expiry#a1"]
    assert [t.timer_id for t in stores.timers.due(T0 + timedelta(days=1), limit=1)] == ["close#v1"]


def test_a_timer_due_part_way_through_a_second_is_not_due_before_it(stores):
    stores.timers.schedule(Timer("offer_expiry", T0 + timedelta(microseconds=480_149), "expiry#a1"))
    assert stores.timers.due(T0) == []  # the sweep at 09:00:00 would find the offer still open
    [due] = stores.timers.due(T0 + timedelta(seconds=1))
    assert due.timer_id == "expiry#a1" and stores.timers.fire(due)


def test_a_timer_fires_once(stores):
    timer = Timer("applications_close", T0, "close#v1", {"visit_id": "v1"})
    stores.timers.schedule(timer)
    assert stores.timers.fire(timer)
    assert not stores.timers.fire(timer)
    assert stores.timers.due(T0) == []


def test_one_look_says_whether_a_timer_may_be_due_and_never_hides_one_that_is(stores, noted):
    timers = stores.timers
    timers.mark_next(timers.look(T0))  # a first full look, with no timer at all
    assert not timers.look(T0 + timedelta(days=365)).anything_due

    timers.schedule(Timer("offer_expiry", T0 + timedelta(hours=2), "expiry#a1", {"application_id": "a1"}))
    noted()
    assert not timers.look(T0 + timedelta(hours=1)).anything_due
    look = timers.look(T0 + timedelta(hours=2))
    assert look.anything_due
    [due] = timers.due(T0 + timedelta(hours=2))
    timers.fire(due)
    timers.mark_next(look)  # everything due at the look is fired: none is left
    assert not timers.look(T0 + timedelta(days=365)).anything_due
    timers.schedule(Timer("applications_close", T0 + timedelta(days=3), "close#v1", {"visit_id": "v1"}))
    noted()
    assert not timers.look(T0 + timedelta(days=2)).anything_due
    assert timers.look(T0 + timedelta(days=3)).anything_due


def test_the_sweeps_read_gives_what_is_due_and_what_comes_next_when_it_sees_it(stores):
    first, second = (Timer("applications_close", T0, "close#v1", {"visit_id": "v1"}),
                     Timer("offer_expiry", T0 + timedelta(hours=2), "expiry#a1", {"application_id": "a1"}))
    stores.timers.schedule(first)
    stores.timers.schedule(second)
    read = stores.timers.due_and_next(T0)
    assert read.timers == stores.timers.due(T0) == [first]
    assert read.next_due in (None, sort_key(second))  # None: this store does not say (it needs no mark)
    stores.timers.fire_many(read.timers)
    assert stores.timers.due_and_next(T0 + timedelta(hours=2)).next_due in (None, NOTHING_LEFT)
    assert stores.timers.due_and_next(T0, limit=1).timers == []


def test_in_memory_a_fired_timer_announces_itself_as_the_stream_would():
    from shared import store

    memory_stores = store.in_memory()
    memory_stores.timers.schedule(Timer("applications_close", T0, "close#v1", {"visit_id": "v1"}))
    memory_stores.timers.fire(Timer("applications_close", T0, "close#v1", {"visit_id": "v1"}))
    [(event_id, fired)] = memory_stores.memory.take_events()
    assert fired.detail_type == "TimerFired" and fired.kind == "applications_close" and fired.visit_id == "v1"
    assert event_id == "timer:2027-01-05T09:00:00Z#close#v1"
