"""Visitors' link pages over moto: a browser's GET shows a form, its POST performs the same action
as the JSON route, bad input gets the form back with the field's error, and nothing is stored."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from shared import clock
from shared.adapters import table
from shared.models.application import Application
from shared.models.visit import VisitFields
from shared.services import applications, links, visits
from shared.store import dynamodb
from shared.store import applications as application_items
from tests.helpers import call

STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def fixed(aws):
    moment = FixedClock(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc))
    clock.use(moment)
    yield moment
    clock.use(clock.SystemClock())


@pytest.fixture
def visit(fixed):
    return visits.create(dynamodb(), VisitFields.model_validate({
        "title": "Staff wellbeing <and> resilience", "theme": "Wellbeing",
        "host": {"organisation": "Lancashire Constabulary", "contact_name": "Hana Host",
                 "contact_email": "hana@lancashire.example"},
        "venue": "Hutton HQ", "starts_at": clock.iso(STARTS), "capacity": 8,
        "applications_close_at": "2026-12-01T00:00:00Z", "prep_call_at": "2027-01-12T10:00:00Z"}))


def person(visit, aid: str, status: str, **fields) -> Application:
    application = Application(
        application_id=aid, visit_id=visit.visit_id, organisation="Kent Police", status=status,
        submitted_at=clock.now(), updated_at=clock.now(), submitted_by="lead@kent.example", name="Kim Kentish",
        email="kim@kent.example", role="police", job_title="Inspector", motivation="To learn", prep_call="join",
        questions=["How do peer supporters work?"], offer_expires_at=STARTS - timedelta(days=7), **fields)
    table.put(application_items.to_item(application))
    return application


def token_for(aid: str, action: str, offer_expires_at: datetime = STARTS - timedelta(days=7)) -> str:
    visit = visits.find(dynamodb(), applications.find(dynamodb(), aid).visit_id)
    return links.issue(dynamodb(), aid, action, visit, offer_expires_at=offer_expires_at).rsplit("/", 1)[-1]


def browse(method: str, token: str, form: dict | list | None = None) -> tuple[int, str, dict]:
    from functions.visits.handler import handler

    headers = {"Accept": BROWSER}
    raw = None
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        raw = urlencode(form, doseq=True)
    event_kwargs = {"path_parameters": {"token": token}, "headers": headers, "raw_body": raw}
    from tests.helpers import Context, api_event

    event = api_event(method, f"/links/{token}", "/links/{token}", **event_kwargs)
    if form is None:
        event["headers"].pop("Content-Type")
    answer = handler(event, Context())
    return answer["statusCode"], answer["body"], answer.get("multiValueHeaders") or answer.get("headers") or {}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_browser_sees_what_the_link_does_for_whom_with_a_form_and_nothing_is_done(visit):
    person(visit, "a-kim", "offered")
    token = token_for("a-kim", "confirm")
    status, html, headers = browse("GET", token)
    assert status == 200 and "text/html" in str(headers)
    page = text_of(html)
    assert "Confirm your place" in page and "Kim Kentish" in page and "Hutton HQ" in page
    assert "Staff wellbeing &lt;and&gt; resilience" in html  # autoescaped
    assert re.search(r'<form method="post"', html) and "Confirm my place" in page
    assert applications.find(dynamodb(), "a-kim").status == "offered"


def test_confirming_through_the_page_shows_the_result_and_the_new_status(visit):
    person(visit, "a-kim", "offered")
    token = token_for("a-kim", "confirm")
    status, html, _ = browse("POST", token, {})
    assert status == 200
    assert "Your place is confirmed" in text_of(html) and "Place confirmed" in text_of(html)
    assert applications.find(dynamodb(), "a-kim").status == "confirmed"
    status, html, _ = browse("GET", token)  # a used link says so, and offers no form
    assert status == 200 and "already been used" in text_of(html) and "<form" not in html


def test_a_confirm_link_of_a_lapsed_offer_says_it_is_closed(visit):
    person(visit, "a-kim", "expired")
    token = token_for("a-kim", "confirm")
    status, html, _ = browse("GET", token)
    assert status == 200 and "no longer open" in text_of(html) and "<form" not in html
    status, html, _ = browse("POST", token, {})
    assert status == 409 and "This can no longer be done" in text_of(html) and "Nothing was changed" in text_of(html)
    assert "mailto:visits-team@peer-learning.example" in html


def test_the_call_answer_needs_a_choice_and_shows_the_error_beside_it(visit):
    person(visit, "a-kim", "confirmed")
    token = token_for("a-kim", "prep_call")
    status, html, _ = browse("POST", token, {})
    assert status == 422
    assert re.search(r'<fieldset aria-describedby="attending-error">\s*<legend>Can you join the preparation call\?'
                     r'</legend>\s*<span class="error-message" id="attending-error">.*Choose whether you can join', html)
    assert '<a href="#attending-yes">Choose whether you can join the call</a>' in html  # the summary links to it
    before = applications.find(dynamodb(), "a-kim")
    assert before.attending_prep_call is True and before.version == 1
    status, html, _ = browse("POST", token, {"attending": "no"})
    assert status == 200 and "background material" in text_of(html)
    assert applications.find(dynamodb(), "a-kim").attending_prep_call is False


def test_learning_points_through_the_page_with_may_we_publish(visit, fixed):
    person(visit, "a-kim", "confirmed")
    fixed.moment = STARTS + timedelta(days=1)
    token = token_for("a-kim", "learning_points")
    status, html, _ = browse("GET", token)
    assert status == 200 and html.count('name="points"') == 5
    assert re.search(r'id="public-yes" name="public" value="yes" checked', html)  # publishing is the default
    status, html, _ = browse("POST", token, {"points": ["", "  "], "will_adopt": "Huddles", "public": "no"})
    assert status == 422 and "Write at least one learning point" in html
    assert 'Huddles</textarea>' in html and 'value="no" checked' in html  # what was typed is kept
    assert table.get("APP#a-kim", "POINTS") is None
    status, html, _ = browse("POST", token, {"points": ["Protected time", "", "Peer rota"], "will_adopt": "Huddles",
                                             "public": "no"})
    assert status == 201 and "your 2 learning points" in text_of(html).lower()
    stored = table.get("APP#a-kim", "POINTS")
    assert stored["points"] == ["Protected time", "Peer rota"] and stored["public"] is False
    assert stored["will_adopt"] == "Huddles"


def test_a_too_long_point_is_named_beside_its_own_field(visit, fixed):
    person(visit, "a-kim", "confirmed")
    fixed.moment = STARTS + timedelta(days=1)
    token = token_for("a-kim", "learning_points")
    status, html, _ = browse("POST", token, {"points": ["Fine", "x" * 1001]})
    assert status == 422
    assert re.search(r'<span class="error-message" id="points-1-error">.*Learning point 2', html)
    assert table.get("APP#a-kim", "POINTS") is None


def test_add_another_point_shows_one_more_field_and_stores_nothing(visit, fixed):
    person(visit, "a-kim", "confirmed")
    fixed.moment = STARTS + timedelta(days=1)
    token = token_for("a-kim", "learning_points")
    form = {"points": [f"Point {n}" for n in range(5)], "more": "1", "public": "yes"}
    status, html, _ = browse("POST", token, form)
    assert status == 200 and html.count('name="points"') == 6 and "Point 4</textarea>" in html
    assert table.get("APP#a-kim", "POINTS") is None


def test_a_reflection_and_stopping_the_follow_up(visit, fixed):
    person(visit, "a-kim", "confirmed")
    fixed.moment = STARTS + timedelta(days=15)
    token = token_for("a-kim", "reflections")
    status, html, _ = browse("GET", token)
    assert status == 200 and '<option value="2" selected>' in html  # the current week is chosen
    status, html, _ = browse("POST", token, {"week": "2", "text": " "})
    assert status == 422 and 'id="text-error"' in html and "Write your reflection" in html
    status, html, _ = browse("POST", token, {"week": "2", "text": "We started huddles"})
    assert status == 201 and "week 2" in text_of(html)
    assert table.get("APP#a-kim", "REFLECTION#2")["text"] == "We started huddles"
    stop = token_for("a-kim", "stop_follow_up")
    status, html, _ = browse("POST", stop, {})
    assert status == 200 and applications.find(dynamodb(), "a-kim").follow_up_stopped
    assert "already been used" in text_of(browse("GET", stop)[1])


def test_withdrawing_through_the_page(visit):
    person(visit, "a-kim", "confirmed")
    token = token_for("a-kim", "withdraw")
    status, html, _ = browse("POST", token, {})
    assert status == 200 and "Your application is withdrawn" in text_of(html)
    assert applications.find(dynamodb(), "a-kim").status == "withdrawn"


def test_unknown_and_expired_links_answer_a_page_with_the_json_status(visit, fixed):
    person(visit, "a-kim", "offered")
    status, html, _ = browse("GET", "not-a-real-token")
    assert status == 404 and "We do not recognise this link" in html and "mailto:visits-team@peer-learning.example" in html
    token = token_for("a-kim", "confirm", offer_expires_at=fixed.moment + timedelta(hours=1))
    fixed.moment += timedelta(hours=2)
    for method, form in (("GET", None), ("POST", {})):
        status, html, _ = browse(method, token, form)
        assert status == 409 and "This link has expired" in html and "mailto:visits-team@peer-learning.example" in html
        assert "Kim Kentish" in text_of(html) and "Hutton HQ" in text_of(html)  # whose, and which visit
    assert applications.find(dynamodb(), "a-kim").status == "offered"


def test_json_callers_are_unchanged_and_a_form_may_ask_for_json(visit):
    from functions.visits.handler import handler

    person(visit, "a-kim", "confirmed")
    token = token_for("a-kim", "prep_call")
    status, described = call(handler, "GET", f"/links/{token}", "/links/{token}", path_parameters={"token": token})
    assert status == 200 and described["action"] == "prep_call"
    status, answer = call(handler, "POST", f"/links/{token}", "/links/{token}", raw_body="attending=no",
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          path_parameters={"token": token})
    assert status == 200 and answer["attending"] is False
    status, answer = call(handler, "POST", f"/links/{token}", "/links/{token}", raw_body="attending=maybe",
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          path_parameters={"token": token})
    assert status == 422 and "attending" in answer["fields"]


def test_other_routes_still_refuse_forms(visit):
    from functions.visits.handler import handler
    from tests.helpers import COORDINATOR

    status, answer = call(handler, "POST", "/visits", "/visits", raw_body="title=x", claims=COORDINATOR,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415
