"""A visitor with only a browser: the emails in the local mail viewer, their links, the pages they open.

One local stack for the module, its virtual clock started at a fixed time; the story moves the
clock forward as a real programme would (allocation, the visit, the learning-points request).
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.conftest import check_page

pytestmark = pytest.mark.slow


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Programme:
    """The coordinator's and the member's side, over the JSON API (what the browser does not do)."""

    def __init__(self, stack):
        self.stack = stack
        self.tag = uuid.uuid4().hex[:6]
        self.coordinator = stack.token(f"coord-{self.tag}@centre.example", name="Cora Ordinator",
                                       groups=["coordinators"])
        self.lead = stack.token(f"lead-{self.tag}@kent.example", name="Lee Lead", organisation="Kent Police")

    def visit(self) -> dict:
        now = self.stack.now()
        reply = self.stack.call("POST", "/visits", {
            "title": "Staff wellbeing and personal resilience",
            "theme": "How to manage staff wellbeing and develop personal resilience",
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Hana Host",
                     "contact_email": f"host-{self.tag}@lancashire.example"},
            "venue": "Lancashire Constabulary HQ, Hutton, Preston",
            "starts_at": iso(now + timedelta(days=20, hours=1)), "capacity": 4,
            "applications_close_at": iso(now + timedelta(days=1)),
            "prep_call_at": iso(now + timedelta(days=10, hours=2)), "prep_call_dial_in": "0800 000 0000, PIN 1234",
        }, token=self.coordinator)
        assert reply.status == 201, reply.raw
        return reply.body

    def apply(self, visit_id: str, name: str) -> dict:
        email = f"{name.split()[0].lower()}-{self.tag}@kent.example"
        reply = self.stack.call("POST", f"/visits/{visit_id}/applications", {
            "name": name, "email": email, "role": "police", "job_title": "Inspector",
            "motivation": "To bring good practice back to Kent.", "questions": ["How did you start peer support?"],
            "prep_call": "join"}, token=self.lead)
        assert reply.status == 201, reply.raw
        return reply.body

    def allocate(self, visit_id: str) -> None:
        reply = self.stack.call("POST", f"/visits/{visit_id}/allocation", token=self.coordinator)
        assert reply.status == 200, reply.raw
        self.stack.settle()

    def status(self, application_id: str) -> str:
        reply = self.stack.call("GET", f"/applications/{application_id}", token=self.coordinator)
        assert reply.status == 200, reply.raw
        return reply.body["status"]


@pytest.fixture(scope="module")
def story(stack):
    """A visit with three Kent visitors offered a place (the offers are in the outbox)."""
    programme = Programme(stack)
    visit = programme.visit()
    kim = programme.apply(visit["visit_id"], "Kim Kentish")
    kit = programme.apply(visit["visit_id"], "Kit Kentworth")
    kai = programme.apply(visit["visit_id"], "Kai Kenward")
    programme.allocate(visit["visit_id"])
    return programme, visit, kim, kit, kai


def open_email(page, stack, to: str, subject_words: str) -> None:
    """From the mail viewer's list, filtered to one recipient, open the newest email whose subject has these words."""
    page.goto(f"{stack.url}/_local/mail")
    page.get_by_label("Only emails to").fill(to)
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name=re.compile(subject_words, re.I)).first.click()
    page.wait_for_selector("h1")


def test_the_mail_viewer_an_offer_and_confirming_a_place(page, stack, story):
    programme, visit, kim, _, _ = story
    page.goto(f"{stack.url}/_local/mail")
    assert page.get_by_role("heading", level=1).inner_text() == "Mail sent by the local stack"
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 2
    check_page(page, "mail viewer list")

    open_email(page, stack, kim["email"], "^A place for you")
    assert kim["email"] in page.locator("dl.facts").inner_text()
    assert "Confirm my place" in page.locator(".email-links").inner_text()
    attachments = page.locator("a[download]")
    assert attachments.count() == 1 and attachments.first.inner_text().endswith(".ics")
    with page.expect_download() as download:
        attachments.first.click()
    assert "BEGIN:VCALENDAR" in open(download.value.path(), encoding="utf-8").read()
    assert "Subject" in page.locator("table.data").inner_text()
    check_page(page, "mail viewer offer email")

    page.locator(".email-links").get_by_role("link", name="Confirm my place").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your place"
    assert "Kim Kentish" in page.locator("main").inner_text()
    assert visit["title"] in page.locator("main").inner_text()
    assert programme.status(kim["application_id"]) == "offered"  # opening the page did nothing
    check_page(page, "confirm page")

    page.get_by_role("button", name="Confirm my place").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Your place is confirmed"
    assert page.locator("#application-status").inner_text() == "Place confirmed"
    assert programme.status(kim["application_id"]) == "confirmed"
    check_page(page, "confirm result")

    page.go_back()
    page.reload()
    assert "already been used" in page.locator("main").inner_text()
    check_page(page, "confirm link used")


def test_the_call_answer_needs_a_choice_and_works_without_javascript(no_script_page, page, stack, story):
    programme, _, kim, _, _ = story
    stack.settle()
    open_email(page, stack, kim["email"], "call")
    link = page.locator(".email-links a").first.get_attribute("href")
    no_script_page.goto(link)
    assert no_script_page.get_by_role("heading", level=1).inner_text() == "Can you join the preparation call?"
    no_script_page.get_by_role("button", name="Send my answer").click()
    no_script_page.wait_for_selector(".error-message")
    assert "Choose whether you can join the call" in no_script_page.locator("#attending-error").inner_text()
    page.goto(link)
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_selector(".error-message")
    check_page(page, "prep call error")
    page.get_by_label("No, I cannot join").check()
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_selector(".notice.success")
    assert "background material" in page.locator("main").inner_text()
    check_page(page, "prep call result")


def test_withdrawing_through_the_offer_email(page, stack, story):
    programme, _, _, _, kai = story
    open_email(page, stack, kai["email"], "^A place for you")
    page.locator(".email-links").get_by_role("link", name="Withdraw").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Withdraw your application"
    assert "your place is freed for someone else" in page.locator("main").inner_text()
    check_page(page, "withdraw page")
    page.get_by_role("button", name="Withdraw my application").click()
    page.wait_for_selector(".notice.success")
    assert page.get_by_role("heading", level=1).inner_text() == "Your application is withdrawn"
    assert page.locator("#application-status").inner_text() == "Withdrawn"
    assert programme.status(kai["application_id"]) == "withdrawn"
    check_page(page, "withdraw result")


def test_learning_points_through_the_page_and_an_expired_offer_link(page, stack, story):
    programme, visit, kim, kit, _ = story
    starts = datetime.fromisoformat(visit["starts_at"].replace("Z", "+00:00"))
    stack.advance(starts + timedelta(days=1, hours=2))  # Kit's offer lapsed; the learning-points request is out
    stack.settle()

    open_email(page, stack, kim["email"], "learning points")
    page.locator(".email-links").get_by_role("link", name=re.compile("learning points", re.I)).click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Send your learning points"
    assert page.get_by_label(re.compile("Yes, they may appear")).is_checked()  # publishing is the default
    check_page(page, "learning points page")

    page.get_by_label("What will you adopt").fill("A peer support rota")
    page.get_by_role("button", name="Send my learning points").click()  # no point written
    page.wait_for_selector(".error-message")
    error = page.locator("#points-error")
    assert error.inner_text().endswith("Write at least one learning point")
    assert page.get_by_label("What will you adopt").input_value() == "A peer support rota"  # kept
    check_page(page, "learning points error")

    page.get_by_label("Learning point 1 (required)").fill("Protected time for peer supporters")
    page.get_by_label("Learning point 2", exact=True).fill("Wellbeing huddles at shift change")
    page.get_by_label(re.compile("No, only the host")).check()
    page.get_by_role("button", name="Send my learning points").click()
    page.wait_for_selector(".notice.success")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you: your learning points are in"
    assert "your 2 learning points" in page.locator("main").inner_text().lower()
    assert "not into the public summary" in page.locator("main").inner_text()
    check_page(page, "learning points result")

    open_email(page, stack, kit["email"], "^A place for you")
    page.locator(".email-links").get_by_role("link", name="Confirm my place").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "This link has expired"
    assert "mailto:" in page.locator("main a[href^='mailto:']").first.get_attribute("href")
    check_page(page, "expired link")
    assert programme.status(kit["application_id"]) == "expired"


def test_a_weekly_reflection_and_stopping_the_follow_up(page, stack, story):
    programme, visit, kim, _, _ = story
    starts = datetime.fromisoformat(visit["starts_at"].replace("Z", "+00:00"))
    stack.advance(starts + timedelta(days=8))  # the first weekly nudge is out
    stack.settle()

    open_email(page, stack, kim["email"], "^Week 1 after")
    page.locator(".email-links").get_by_role("link", name="Share a reflection").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Share a reflection"
    assert page.get_by_label("Which week").input_value() == "1"
    check_page(page, "reflection page")
    page.get_by_label("Your reflection").fill("We started wellbeing huddles at two stations.")
    page.get_by_role("button", name="Send my reflection").click()
    page.wait_for_selector(".notice.success")
    assert "week 1 is recorded" in page.locator("main").inner_text()
    check_page(page, "reflection result")

    open_email(page, stack, kim["email"], "^Week 1 after")
    page.locator(".email-links").get_by_role("link", name="Stop these weekly emails").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Stop the follow-up emails"
    check_page(page, "stop follow-up page")
    page.get_by_role("button", name="Stop the weekly emails").click()
    page.wait_for_selector(".notice.success")
    assert page.get_by_role("heading", level=1).inner_text() == "No more follow-up emails"
    check_page(page, "stop follow-up result")


def test_an_unknown_link_and_the_docs_work_offline(page, stack):
    response = page.goto(f"{stack.url}/links/not-a-link-we-sent")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "We do not recognise this link"
    check_page(page, "unknown link")

    page.goto(f"{stack.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Peer learning visits API" in page.locator(".swagger-ui .info .title").inner_text()
    check_page(page, "api docs", axe=False)  # Swagger UI's own markup is not ours to fix
