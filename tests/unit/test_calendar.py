"""Calendar events: one UID per event, higher SEQUENCE per change, CANCEL to remove it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from shared.domain.calendar import calendar_event

START = datetime(2017, 5, 23, 9, 0, tzinfo=timezone.utc)


def event(**overrides) -> str:
    values = dict(uid="visit-v1@peer-learning-visits", sequence=0, method="REQUEST",
                  summary="Peer learning visit: Modern slavery, county lines", description="Bring your questions.\nSee you there.",
                  location="Merseyside Police HQ, Liverpool", starts_at=START, ends_at=START + timedelta(hours=6),
                  organizer_email="programme@peer-learning.example", attendee_email="Alex@Force.example",
                  stamp=datetime(2017, 4, 1, 8, 0, tzinfo=timezone.utc))
    return calendar_event(**{**values, **overrides})


def parsed(text: str):
    calendar = Calendar.from_ical(text)
    return calendar, calendar.walk("VEVENT")[0]


def test_an_invitation_parses_back_with_every_field():
    calendar, vevent = parsed(event(sequence=2))

    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert calendar["METHOD"] == "REQUEST"
    assert str(vevent["UID"]) == "visit-v1@peer-learning-visits"
    assert vevent["SEQUENCE"] == 2
    assert vevent["DTSTART"].dt == START and vevent["DTEND"].dt == START + timedelta(hours=6)
    assert vevent["DTSTAMP"].dt == datetime(2017, 4, 1, 8, 0, tzinfo=timezone.utc)
    assert str(vevent["SUMMARY"]) == "Peer learning visit: Modern slavery, county lines"
    assert str(vevent["DESCRIPTION"]) == "Bring your questions.\nSee you there."
    assert str(vevent["LOCATION"]) == "Merseyside Police HQ, Liverpool"
    assert vevent["STATUS"] == "CONFIRMED"
    assert str(vevent["ORGANIZER"]) == "mailto:programme@peer-learning.example"
    assert str(vevent["ATTENDEE"]) == "mailto:Alex@Force.example"
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"


def test_no_event_asks_for_a_reply_and_an_offer_is_tentative_until_confirmed():
    offered = event(status="TENTATIVE", organizer_name="Peer Learning Visits team")
    _, vevent = parsed(offered)

    assert "RSVP=TRUE" not in offered
    assert vevent["STATUS"] == "TENTATIVE"
    assert vevent["ORGANIZER"].params["CN"] == "Peer Learning Visits team"
    assert parsed(event(status="CONFIRMED"))[1]["STATUS"] == "CONFIRMED"
    assert parsed(event(status="TENTATIVE", method="CANCEL"))[1]["STATUS"] == "CANCELLED"


def test_times_are_written_in_utc():
    bst = timezone(timedelta(hours=1))

    text = event(starts_at=datetime(2017, 5, 23, 10, 0, tzinfo=bst), ends_at=datetime(2017, 5, 23, 16, 0, tzinfo=bst))

    assert "DTSTART:20170523T090000Z" in text and "DTEND:20170523T150000Z" in text
    assert "VTIMEZONE" not in text


def test_a_cancellation_keeps_the_uid_and_says_cancelled():
    calendar, vevent = parsed(event(method="CANCEL", sequence=3))

    assert calendar["METHOD"] == "CANCEL"
    assert vevent["STATUS"] == "CANCELLED"
    assert str(vevent["UID"]) == "visit-v1@peer-learning-visits" and vevent["SEQUENCE"] == 3


def test_long_values_stay_on_one_line_and_newlines_stay_escaped():
    uid = "visit-" + "a" * 32 + "-" + "b" * 32 + "@peer-learning-visits.example"

    text = event(uid=uid, description="First line\r\n second line " + "x" * 200)

    assert f"\r\nUID:{uid}\r\n" in text
    _, vevent = parsed(text)
    assert str(vevent["UID"]) == uid
    assert str(vevent["DESCRIPTION"]).startswith("First line\n second line xxx")


def test_lines_are_crlf_terminated():
    text = event()

    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.rstrip().endswith("END:VCALENDAR")


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError):
        event(method="PUBLISH")
