"""Email wording: every template renders, HTML is escaped, times are London's."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from jinja2 import UndefinedError

from shared.domain.rendering import KINDS, london, london_date, render_email
from shared.domain.team import ProgrammeTeam

TEAM = ProgrammeTeam.of(name="Visits Team", email="visits@centre.example",
                        contact="Questions? Write to visits@centre.example or call 0113 496 0000.")

VISIT = {
    "title": "Staff wellbeing and resilience", "theme": "Wellbeing", "venue": "Force HQ, Preston", "min_per_organisation": 2,
    "host": {"organisation": "Lancashire Constabulary", "contact_name": "Sam Host", "contact_email": "host@example.org"},
    "starts_at": datetime(2017, 1, 19, 10, tzinfo=timezone.utc), "ends_at": datetime(2017, 1, 19, 16, tzinfo=timezone.utc),
    "applications_close_at": datetime(2016, 12, 1, 12, tzinfo=timezone.utc),
    "prep_call_at": datetime(2017, 1, 10, 14, tzinfo=timezone.utc), "prep_call_dial_in": "0800 000 0000, PIN 1234",
    "capacity": 12,
}
LINKS = {"confirm": "https://api.test/links/abc", "withdraw": "https://api.test/links/def"}
EXTRA = {
    "offer": {"confirm_by": datetime(2016, 12, 8, 12, tzinfo=timezone.utc)},
    "offer_reminder": {"confirm_by": datetime(2016, 12, 8, 12, tzinfo=timezone.utc)},
    "waitlist": {"position": 3, "reason": "Your organisation's places were all taken."},
    "calendar_update": {"change": "visit_date"},
    "background_material": {"material": "About the host.\n\nWhat to read first."},
    "host_questions": {"visitors": [{"name": "Alex Visitor", "organisation": "Kent Police", "role": "police",
                                     "job_title": "Inspector", "questions": ["How do you measure it?"]}]},
    "report_to_host": {"visitor_count": 6, "organisation_count": 3, "answered": 5, "points": ["Start small."],
                       "adoptions": ["Huddles"]},
    "follow_up_week": {"week": 1},
    "impact_note": {"reflections": ["We started weekly huddles."]},
    "host_update": {"change": "substitution", "person": {"name": "Kim Visitor", "organisation": "Kent Police"},
                    "substitute": {"name": "Alex Visitor", "organisation": "Kent Police", "role": "police",
                                   "job_title": "Inspector", "questions": ["How do you measure it?"]},
                    "visitors": ["Alex Visitor (Kent Police)"]},
    "member_cancellation": {"applicants": [{"name": "Kim Visitor", "status": "place confirmed"}],
                            "reason": "The venue is closed for repairs."},
    "alert": {"what": "offer_lapsed", "person": {"name": "Kim Visitor", "organisation": "Kent Police"},
              "deadline": datetime(2016, 12, 8, 12, tzinfo=timezone.utc), "held": 5, "waiting": 2},
    "substitute_place": {"status": "offered", "colleague": "Kim Visitor",
                         "confirm_by": datetime(2016, 12, 8, 12, tzinfo=timezone.utc)},
}


def sample(kind: str, **overrides) -> dict:
    return {"name": "Alex Visitor", "visit": VISIT, "links": LINKS, "team": TEAM, **EXTRA.get(kind, {}), **overrides}


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_subject_text_and_html(kind):
    subject, text, html = render_email(kind, **sample(kind))

    assert subject and "\n" not in subject
    assert "Alex Visitor" in text and "Alex Visitor" in html
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "{{" not in text + html


@pytest.mark.parametrize("kind", KINDS)
def test_links_are_shown_in_both_parts(kind):
    _, text, html = render_email(kind, **sample(kind))

    assert "Confirm my place: https://api.test/links/abc" in text
    assert 'href="https://api.test/links/def"' in html


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_is_signed_by_the_programme_team_with_its_contact_line(kind):
    _, text, html = render_email(kind, **sample(kind))

    for part in (text, html):
        assert "Visits Team" in part
        assert "Questions? Write to visits@centre.example or call 0113 496 0000." in part
    assert text.rstrip().endswith("Questions? Write to visits@centre.example or call 0113 496 0000.")


def test_html_escapes_values_and_text_keeps_them():
    visit = {**VISIT, "title": "<script>alert(1)</script>"}

    subject, text, html = render_email("receipt", **sample("receipt", visit=visit, name="O'Brien & <b>Co</b>"))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Co&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" in subject and "<script>alert(1)</script>" in text


def test_london_time_is_gmt_in_winter_and_bst_in_summer():
    assert london(datetime(2017, 1, 19, 10, tzinfo=timezone.utc)) == "Thursday 19 January 2017, 10:00 GMT"
    assert london(datetime(2017, 5, 23, 9, tzinfo=timezone.utc)) == "Tuesday 23 May 2017, 10:00 BST"
    assert london("2017-03-26T01:30:00Z") == "Sunday 26 March 2017, 02:30 BST"
    assert london_date(datetime(2017, 3, 24, 23, 30, tzinfo=timezone.utc)) == "Friday 24 March 2017"


def test_a_date_to_be_confirmed_reads_so():
    visit = {**VISIT, "starts_at": None, "ends_at": None}

    assert london(None) == "to be confirmed"
    _, text, _ = render_email("receipt", **sample("receipt", visit=visit))
    assert "When:  to be confirmed" in text


def test_emails_show_times_in_london_time():
    summer = {**VISIT, "starts_at": datetime(2017, 5, 23, 8, 30, tzinfo=timezone.utc),
              "ends_at": datetime(2017, 5, 23, 15, tzinfo=timezone.utc)}

    _, text, html = render_email("visit_reminder_7d", **sample("visit_reminder_7d", visit=summer))

    assert "Tuesday 23 May 2017, 09:30 BST until 16:00 BST" in text
    assert "Tuesday 23 May 2017, 09:30 BST" in html


def test_learning_points_request_subject_says_learning_points():
    subject, _, _ = render_email("learning_points_request", **sample("learning_points_request"))

    assert "learning points" in subject.lower()


def test_prep_call_reminder_carries_the_dial_in():
    subject, text, html = render_email("prep_call_reminder", **sample("prep_call_reminder"))

    assert "0800 000 0000, PIN 1234" in text and "0800 000 0000, PIN 1234" in html
    assert "Tuesday 10 January 2017, 14:00 GMT" in subject


def test_waitlist_gives_position_and_reason_once_and_says_who_comes_first():
    last = datetime(2017, 1, 17, 10, tzinfo=timezone.utc)
    subject, text, html = render_email("waitlist", **sample("waitlist", last_offer_at=last))

    assert subject == "Waiting list for Staff wellbeing and resilience: you are number 3"
    for part in (text, html.replace("&#39;", "'").replace("<strong>", "").replace("</strong>", "")):
        assert "number 3 on the waiting list" in part
        assert part.count("Your organisation's places were all taken.") == 1
        assert "organisations that have had fewer places on this year's visits come first" in part
        assert "Tuesday 17 January 2017, 10:00 GMT" in part and "we will write to say so" in part
    assert text.count("waiting list") == 3  # where you are, who gets a freed place, withdrawing from it


def test_each_follow_up_week_has_its_own_subject_text_and_prompt():
    rendered = [render_email("follow_up_week", **sample("follow_up_week", week=week)) for week in range(1, 7)]

    subjects = {subject for subject, _, _ in rendered}
    texts = {text for _, text, _ in rendered}
    assert len(subjects) == 6 and len(texts) == 6
    assert all(f"Week {week} of 6:" in text for week, (_, text, _) in enumerate(rendered, start=1))


def test_follow_up_week_out_of_range_is_refused():
    with pytest.raises(ValueError):
        render_email("follow_up_week", **sample("follow_up_week", week=7))


def test_calendar_update_differs_for_each_new_date_and_for_the_call():
    first = render_email("calendar_update", **sample("calendar_update"))
    moved = {**VISIT, "starts_at": datetime(2017, 2, 2, 10, tzinfo=timezone.utc),
             "ends_at": datetime(2017, 2, 2, 16, tzinfo=timezone.utc)}
    second = render_email("calendar_update", **sample("calendar_update", visit=moved))
    call = render_email("calendar_update", **sample("calendar_update", change="call_moved"))

    assert len({first[0], second[0], call[0]}) == 3
    assert "0800 000 0000" in call[1]


def test_a_first_call_time_is_arranged_not_moved_and_offers_the_material_not_withdrawal():
    subject, text, html = render_email("calendar_update", **sample("calendar_update", change="call_set",
                                                                   links={"prep_call": "https://api.test/links/p"}))

    assert subject.startswith("Preparation call arranged:") and "moved" not in (subject + text).lower()
    assert "background material" in text and "withdraw" not in text.lower()
    assert "The calendar invitation for the call is attached." in text


def test_a_new_time_on_the_same_day_is_not_called_a_new_date():
    later = {**VISIT, "starts_at": datetime(2017, 1, 19, 12, tzinfo=timezone.utc),
             "ends_at": datetime(2017, 1, 19, 17, tzinfo=timezone.utc)}

    subject, text, _ = render_email("calendar_update", **sample("calendar_update", visit=later, change="visit_time"))

    assert subject == "New time for Staff wellbeing and resilience: Thursday 19 January 2017, 12:00 GMT"
    assert "new date" not in (subject + text).lower() and "keeps its date" in text


def test_a_date_set_for_the_first_time_is_announced_as_set_with_the_invitation():
    subject, text, _ = render_email("calendar_update", **sample("calendar_update", change="visit_set"))

    assert subject == "Date set: Staff wellbeing and resilience on Thursday 19 January 2017"
    assert "The calendar invitation for the visit is attached." in text


def test_cancellation_tells_a_withdrawal_from_a_cancelled_visit():
    cancelled = render_email("cancellation", **sample("cancellation"))
    withdrawn = render_email("cancellation", **sample("cancellation", reason="withdrawn"))

    assert "cancelled" in cancelled[0].lower()
    assert withdrawn[0] != cancelled[0]


def test_host_questions_lists_every_visitor_and_question():
    _, text, html = render_email("host_questions", **sample("host_questions", name="Sam Host"))

    assert "Alex Visitor, Inspector, Kent Police (police officer)" in text
    assert "How do you measure it?" in text and "How do you measure it?" in html


def test_missing_context_is_an_error_not_a_blank():
    with pytest.raises(UndefinedError):
        render_email("offer", name="Alex", visit=VISIT)


def test_unknown_template_is_refused():
    with pytest.raises(ValueError):
        render_email("nonsense", name="Alex", visit=VISIT)
