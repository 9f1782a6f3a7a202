"""The one retention rule and the one link-lifetime rule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from shared.domain.links import valid_until
from shared.domain.retention import keep_until

NOW = datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc)
STARTS = datetime(2027, 3, 1, 10, 0, tzinfo=timezone.utc)
ENDS = datetime(2027, 3, 1, 16, 0, tzinfo=timezone.utc)
YEAR = timedelta(days=365)


@dataclass
class Visit:
    starts_at: datetime | None = STARTS
    ends_at: datetime | None = ENDS
    prep_call_at: datetime | None = None


def test_personal_data_is_kept_the_retention_after_the_follow_up_ends():
    follow_up_ends = ENDS + timedelta(weeks=6)  # the sixth weekly nudge
    assert keep_until(Visit(), NOW, YEAR) == follow_up_ends + YEAR
    assert keep_until(Visit(ends_at=None), NOW, YEAR) == STARTS + timedelta(weeks=6) + YEAR


def test_personal_data_written_after_the_follow_up_or_for_an_undated_one_is_kept_from_the_write():
    late = ENDS + timedelta(days=60)
    assert keep_until(Visit(), late, YEAR) == late + YEAR
    assert keep_until(Visit(None, None), NOW, YEAR) == NOW + YEAR
    assert keep_until(None, NOW, YEAR) == NOW + YEAR


def test_a_confirm_link_lives_as_long_as_the_offer():
    deadline = NOW + timedelta(days=7)
    assert valid_until("confirm", Visit(), NOW, offer_expires_at=deadline) == deadline
    with pytest.raises(ValueError):
        valid_until("confirm", Visit(), NOW)


def test_a_withdraw_link_lives_until_the_visit_ends_and_at_least_as_long_as_the_offer():
    assert valid_until("withdraw", Visit(), NOW) == ENDS
    assert valid_until("withdraw", Visit(None, None), NOW) == NOW + YEAR
    late_offer = ENDS + timedelta(days=1)
    assert valid_until("withdraw", Visit(), NOW, offer_expires_at=late_offer) == late_offer


def test_prep_call_learning_points_and_follow_up_links():
    call = STARTS - timedelta(days=3)
    assert valid_until("prep_call", Visit(prep_call_at=call), NOW) == call
    assert valid_until("prep_call", Visit(), NOW) == STARTS
    assert valid_until("learning_points", Visit(), NOW) == STARTS + timedelta(days=14)
    assert valid_until("reflections", Visit(), NOW) == STARTS + timedelta(days=49)
    assert valid_until("stop_follow_up", Visit(), NOW) == STARTS + timedelta(days=49)


def test_every_link_lives_at_least_an_hour():
    assert valid_until("prep_call", Visit(prep_call_at=NOW - timedelta(days=1)), NOW) == NOW + timedelta(hours=1)
    with pytest.raises(ValueError):
        valid_until("teleport", Visit(), NOW)
