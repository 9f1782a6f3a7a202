"""How a schedule change is named to holders: set, new date, new time, new venue, no longer fixed."""
from __future__ import annotations

from datetime import datetime, timezone

from shared.domain.changes import call_change, visit_change

NINE = datetime(2017, 3, 24, 9, tzinfo=timezone.utc)


def test_a_first_date_is_set_and_a_cleared_one_is_unset():
    assert visit_change(None, NINE) == "visit_set"
    assert visit_change(NINE.isoformat(), None) == "visit_unset"


def test_another_day_is_a_new_date_the_same_london_day_a_new_time():
    assert visit_change("2017-03-23T09:00:00Z", NINE) == "visit_date"
    assert visit_change("2017-03-24T13:00:00Z", NINE) == "visit_time"
    # The same UTC day, but 23:30 UTC on 1 June is 00:30 BST on the 2nd in London: another day.
    assert visit_change("2017-06-01T22:30:00Z", datetime(2017, 6, 1, 23, 30, tzinfo=timezone.utc)) == "visit_date"


def test_only_the_venue_is_a_new_venue():
    assert visit_change("2017-03-24T09:00:00Z", NINE, before_venue="Sheffield", after_venue="Rotherham") == "visit_venue"


def test_a_first_call_time_is_arranged_a_later_one_moved():
    assert call_change(None, NINE) == "call_set"
    assert call_change("2017-03-20T14:00:00Z", NINE) == "call_moved"
    assert call_change("2017-03-20T14:00:00Z", None) == "call_unset"
