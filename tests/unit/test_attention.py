"""What needs a coordinator's attention on a visit, in words."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from shared.domain.attention import needs

NOW = datetime(2031, 3, 2, 9, tzinfo=timezone.utc)


@dataclass
class V:
    status: str = "open"
    capacity: int = 4
    starts_at: datetime | None = NOW + timedelta(days=20)
    ends_at: datetime | None = NOW + timedelta(days=20, hours=6)
    applications_close_at: datetime = NOW + timedelta(days=3)
    prep_call_at: datetime | None = NOW + timedelta(days=10)


@dataclass
class A:
    status: str
    offer_expires_at: datetime | None = None


def texts(found):
    return [a.text for a in found]


def test_a_new_visit_has_no_applications_yet():
    assert texts(needs(V(), [], NOW, allocated=False)) == ["No applications yet"]


def test_closed_applications_without_allocation_and_an_undated_visit_ask_for_action():
    found = needs(V(applications_close_at=NOW - timedelta(hours=1), starts_at=None, ends_at=None),
                  [A("submitted")], NOW, allocated=False)
    assert texts(found) == ["Applications have closed: run the allocation", "The date is still to be confirmed"]
    assert {a.level for a in found} == {"action"}


def test_offers_not_confirmed_and_empty_places_are_counted():
    apps = [A("offered", NOW + timedelta(days=1)), A("offered", NOW + timedelta(days=6)), A("confirmed")]
    found = texts(needs(V(status="allocated"), apps, NOW, allocated=True))
    assert "2 offers not confirmed yet (1 lapsing within 2 days)" in found
    assert "1 place empty, nobody waiting" in found


def test_after_the_visit_attendance_and_missing_points_then_the_report():
    after = NOW + timedelta(days=22)
    apps = [A("confirmed"), A("confirmed"), A("confirmed")]
    found = texts(needs(V(status="allocated", capacity=3), apps, after, allocated=True, points_sent=1,
                        attendance_recorded=False))
    assert found == ["Record who attended", "2 visitors yet to send learning points"]
    assert texts(needs(V(status="allocated", capacity=3), apps, after, allocated=True, points_sent=1,
                       report_published=True)) == ["The report is ready"]


def test_a_cancelled_visit_says_only_that():
    assert texts(needs(V(status="cancelled"), [A("offered")], NOW, allocated=True)) == ["Cancelled"]
