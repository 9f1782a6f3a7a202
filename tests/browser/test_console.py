"""The coordinators' console and the members' pages in headless Chromium, on a fresh local stack.

A coordinator runs a whole visit in the browser, from creating it to reading its report, and
never touches JSON; a member applies for two colleagues through the form (meeting each field's
error beside it first). Visitors' own answers (confirming, learning points) go through the API
here: they are the visitors', not the coordinator's. Every page is checked with axe-core (WCAG
2.1 AA) at a desktop and a phone width, and its screenshot kept in tests/browser/artefacts/console/.
"""
from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.browser.conftest import ARTEFACTS
from tests.local.conftest import start_stack, stop_stack

playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

SHOTS = ARTEFACTS / "console"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}

# The innermost elements wider than the screen (what makes a phone scroll sideways).
WIDE_ELEMENTS = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""

pytestmark = [pytest.mark.slow]

# A PDF's first bytes: not UTF-8, so it reaches the console function intact only as a binary body.
BRIEFING_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n\xff\x00\x80 trailer\n%%EOF\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of this module's own (the visitors' pages' tests share theirs): a fresh programme."""
    log = tmp_path_factory.mktemp("console") / "stack.log"
    running = start_stack(log, "--no-warm", now="2031-03-02T09:00:00Z")
    yield running
    assert stop_stack(running) == 0, log.read_text()


class Person:
    """One person's browser (their own cookies), signed in through `/_local/sign-in`."""

    def __init__(self, browser, stack, *, email, name, organisation="", coordinator=False, next_path="/"):
        self.stack, self.axe = stack, axe_api.Axe()
        self.context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
        self.page = self.context.new_page()
        groups = "&groups=coordinators" if coordinator else ""
        self.page.goto(f"{stack.url}/_local/sign-in?email={quote(email)}&name={quote(name)}"
                       f"&organisation={quote(organisation)}{groups}&next={quote(next_path)}")

    def go(self, path: str):
        response = self.page.goto(self.stack.url + path)
        return response

    def check(self, shot: str) -> None:
        """No WCAG 2.1 AA violation at a desktop or a phone width, and a screenshot of each."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(viewport)
            self.page.screenshot(path=str(SHOTS / f"{shot}-{size}.png"), full_page=True)
            # axe-core is a script: run it in a second, script-enabled page on the same HTML.
            html = self.page.content()
            probe = self.context.browser.new_context(viewport=viewport, bypass_csp=True).new_page()
            try:
                probe.set_content(html)
                results = self.axe.run(probe, options=WCAG_AA)
                assert results.violations_count == 0, f"{shot} ({size}):\n{results.generate_report()}"
                if size == "phone":  # nothing wider than the phone's screen but scrolling tables
                    overflow = probe.evaluate("document.documentElement.scrollWidth")
                    culprits = probe.evaluate(WIDE_ELEMENTS, viewport["width"])
                    assert overflow <= viewport["width"] + 1, f"{shot}: page is {overflow}px wide on a phone: {culprits}"
            finally:
                probe.context.close()
        self.page.set_viewport_size(DESKTOP)

    def text(self) -> str:
        return self.page.inner_text("main")


def london_input(moment) -> str:
    from shared.domain.rendering import LONDON

    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def test_pages_need_a_session_and_coordinators_pages_need_a_coordinator(stack, browser):
    anonymous = browser.new_context(java_script_enabled=False).new_page()
    anonymous.goto(stack.url + "/console/visits/new")
    assert "/_local/sign-in" in anonymous.url and "next=/console/visits/new" in anonymous.url
    member = Person(browser, stack, email="mo@kent.police.uk", name="Mo", organisation="Kent Police",
                    next_path="/members")
    assert member.page.url.endswith("/members")
    response = member.go("/console")
    assert response.status == 403
    assert "coordinators" in member.text()
    member.check("forbidden")


def test_a_form_posted_without_the_session_csrf_token_changes_nothing(stack, browser):
    coordinator = Person(browser, stack, email="cora@programme.example", name="Cora", coordinator=True,
                         next_path="/console")
    before = stack.call("GET", "/visits").body["visits"]
    answer = coordinator.context.request.post(stack.url + "/console/visits", form={"title": "Forged"})
    assert answer.status == 403
    assert stack.call("GET", "/visits").body["visits"] == before


def test_a_coordinator_runs_a_whole_visit_and_a_member_applies_for_two_colleagues(stack, browser):
    now = stack.now()
    cora = Person(browser, stack, email="cora@programme.example", name="Cora Ordinator", coordinator=True,
                  next_path="/console")
    assert cora.page.url.endswith("/console")
    cora.check("programme-empty")

    # Creating a visit: a mistake first (its error beside the field), then the visit.
    cora.page.get_by_role("link", name="Create a visit").first.click()
    page = cora.page
    page.fill("#title", "Neighbourhood policing in practice")
    page.fill("#theme", "Community engagement")
    page.fill("#venue", "Hutton HQ, Preston PR4 5SB")
    page.fill("#host-organisation", "Lancashire Constabulary")
    page.fill("#host-contact_name", "Hana Host")
    page.fill("#host-contact_email", "not an email")
    starts = now + timedelta(days=20)
    page.fill("#starts_at", london_input(starts))
    page.fill("#applications_close_at", london_input(now + timedelta(days=3)))
    page.fill("#prep_call_at", london_input(now + timedelta(days=10)))
    page.fill("#prep_call_dial_in", "https://meet.example/plv")
    page.fill("#capacity", "4")
    page.fill("#min_per_organisation", "1")
    page.fill("#max_per_organisation", "2")
    page.get_by_role("button", name="Create the visit").click()
    assert page.locator("#host-contact_email-error").is_visible()
    assert page.locator("#host-contact_email").get_attribute("aria-invalid") == "true"
    cora.check("visit-form-error")
    page.fill("#host-contact_email", "hana.host@lancashire.police.uk")
    page.get_by_role("button", name="Create the visit").click()
    assert "The visit was created." in cora.text()
    visit_path = re.search(r"/console/visits/[0-9a-f]+", page.url).group(0)
    visit_id = visit_path.rsplit("/", 1)[1]
    assert "No applications yet" in cora.text() or "Nobody has applied yet" in cora.text()

    # Editing it: one more place.
    page.get_by_role("link", name="Edit the visit").click()
    page.fill("#capacity", "5")
    page.get_by_role("button", name="Save the visit").click()
    assert "The visit was saved." in cora.text() and "0 of 5 taken" in cora.text()

    # A member applies for two colleagues: the form shows each field's error beside it first.
    mo = Person(browser, stack, email="mo@kent.police.uk", name="Mo Member", organisation="Kent Police",
                next_path="/members")
    assert "Neighbourhood policing in practice" in mo.text()
    mo.check("members-open-visits")
    mo.page.get_by_role("link", name=re.compile("Apply for a colleague")).click()
    mo.page.fill("#name", "Ada Constable")
    mo.page.fill("#email", "ada@kent")
    mo.page.get_by_role("button", name="Send the application").click()
    for field in ("email", "role", "job_title", "motivation", "questions", "prep_call"):
        assert mo.page.locator(f"#{field}-error").is_visible(), field
    assert mo.page.locator("#error-summary").is_visible()
    mo.check("members-apply-errors")
    for name, email, job in (("Ada Constable", "ada@kent.police.uk", "Sergeant"),
                             ("Ben Analyst", "ben@kent.police.uk", "Crime analyst")):
        if name != "Ada Constable":
            mo.go(f"/members/visits/{visit_id}/apply")
        mo.page.fill("#name", name)
        mo.page.fill("#email", email)
        mo.page.check("#role-police" if job == "Sergeant" else "#role-staff")
        mo.page.fill("#job_title", job)
        mo.page.fill("#motivation", "To bring ward panels back to life.")
        mo.page.fill("#questions-0", "How do you choose ward priorities?")
        mo.page.fill("#questions-1", "Who chairs the panels?")
        mo.page.check("#prep_call-join")
        mo.page.get_by_role("button", name="Send the application").click()
        assert "The application was sent" in mo.text()
    assert "Ada Constable" in mo.text() and "Ben Analyst" in mo.text()
    mo.check("members-applications")

    # Another organisation applies through the API (not what this test is about).
    essex = stack.token("lead@essex.police.uk", organisation="Essex Police")
    for n in range(3):
        reply = stack.call("POST", f"/visits/{visit_id}/applications", {
            "name": f"Essex Visitor {n}", "email": f"visitor{n}@essex.police.uk", "role": "police",
            "job_title": "Inspector", "motivation": "Learning", "questions": ["What works?"],
            "prep_call": "cannot_join" if n else "join"}, token=essex)
        assert reply.status == 201, reply.raw
    stack.settle()

    # The coordinator runs the allocation early and reads it.
    cora.go(visit_path)
    assert cora.page.get_by_role("row", name=re.compile("Ben Analyst")).count() == 1
    cora.page.get_by_role("button", name=re.compile("run the allocation")).click()
    stack.settle()
    cora.go(visit_path)
    text = cora.text()
    assert "Kent Police" in text and "Waiting list" in text
    waiting = cora.page.locator("#waitlist-heading + table tbody tr")
    assert waiting.count() == 1 and "Essex Visitor 2" in waiting.inner_text()
    assert "Not confirmed" in text
    cora.check("visit-allocated")

    # Background material for those who cannot join the call: a file of a kind not taken is refused beside
    # the field; a binary file (a PDF, bytes that are not text) and a text file are taken, byte for byte.
    cora.page.set_input_files("#material-file", files=[{"name": "agenda.exe", "mimeType": "application/octet-stream",
                                                         "buffer": b"MZ\x90\x00"}])
    cora.page.get_by_role("button", name="Upload").click()
    assert cora.page.locator("#material-error").is_visible() and "not accepted" in cora.page.inner_text("#material-error")
    assert cora.page.locator("#material-file").get_attribute("aria-invalid") == "true"
    cora.check("visit-material-error")
    for name, kind, content in (("briefing.pdf", "application/pdf", BRIEFING_PDF),
                                ("agenda.txt", "text/plain", b"09:30 Arrival\n10:00 Ward panel\n")):
        cora.page.set_input_files("#material-file", files=[{"name": name, "mimeType": kind, "buffer": content}])
        cora.page.get_by_role("button", name="Upload").click()
        assert "The background material was uploaded." in cora.text() and name in cora.text()

    # Visitors confirm (through the API, as their links would); one lets the place go by the console.
    apps = {a["name"]: a for a in stack.call("GET", f"/visits/{visit_id}/applications",
                                             token=stack.token("c@p.example", groups=["coordinators"])).body["applications"]}
    holders = [a for a in apps.values() if a["status"] == "offered"]
    assert len(holders) == 4
    for holder in holders:
        token = stack.token(holder["email"])
        assert stack.call("POST", f"/applications/{holder['application_id']}/confirm", token=token).status == 200
    stack.settle()
    mo.go("/members")
    mo.page.get_by_role("link", name=re.compile("Send a colleague instead of Ben Analyst")).click()
    mo.page.get_by_role("button", name="Hand over the place").click()
    assert mo.page.locator("#name-error").is_visible() and mo.page.locator("#email-error").is_visible()
    mo.check("members-substitute-errors")
    mo.page.fill("#name", "Cara Colleague")
    mo.page.fill("#email", "cara@kent.police.uk")
    mo.page.check("#role-staff")
    mo.page.fill("#job_title", "Analyst")
    mo.page.check("#prep_call-join")
    mo.page.get_by_role("button", name="Hand over the place").click()
    assert "Your colleague now holds the place" in mo.text()
    assert mo.page.get_by_role("row", name=re.compile("Ben Analyst")).get_by_text("Substituted").count() == 1
    stack.settle()
    cora.go(visit_path)
    assert cora.page.get_by_role("row", name=re.compile("Cara Colleague")).get_by_text("Confirmed").count() == 1
    assert stack.outbox("cara@kent.police.uk"), "the colleague is told of the place"

    # The coordinator hands a place on for a visitor who cannot go (a mistake first, beside its field).
    cora.page.get_by_role("row", name=re.compile("Essex Visitor 0")).get_by_role("link", name=re.compile("Substitute")).click()
    cora.page.get_by_role("button", name="Hand over the place").click()
    for field in ("name", "email", "role", "job_title"):
        assert cora.page.locator(f"#{field}-error").is_visible(), field
    assert cora.page.locator("#error-summary").is_visible()
    cora.check("visit-substitute-errors")
    cora.page.fill("#name", "Dee Deputy")
    cora.page.fill("#email", "visitor0@essex.police.uk")
    cora.page.check("#role-police")
    cora.page.fill("#job_title", "Inspector")
    cora.page.check("#prep_call-join")
    cora.page.get_by_role("button", name="Hand over the place").click()
    assert "someone else" in cora.page.inner_text("#email-error")
    assert cora.page.locator("#name").input_value() == "Dee Deputy"  # what was typed stays
    cora.page.fill("#email", "dee@essex.police.uk")
    cora.page.get_by_role("button", name="Hand over the place").click()
    assert "The place was handed to the colleague" in cora.text()
    stack.settle()
    cora.go(visit_path)
    assert cora.page.get_by_role("row", name=re.compile("Dee Deputy")).get_by_text("Confirmed").count() == 1
    assert cora.page.get_by_role("row", name=re.compile("Essex Visitor 0")).get_by_text("Substituted").count() == 1
    assert stack.outbox("dee@essex.police.uk"), "the colleague is told of the place"

    # Fresh links for a visitor who lost their email.
    before = len(stack.outbox("ada@kent.police.uk"))
    cora.page.get_by_role("row", name=re.compile("Ada Constable")).get_by_role("button", name=re.compile("fresh links")).click()
    assert "Fresh links were sent to the visitor." in cora.text()
    stack.settle()
    fresh = stack.outbox("ada@kent.police.uk")[before:]
    assert len(fresh) == 1 and "/links/" in fresh[0]["text"]
    cora.check("visit-fresh-links")
    cora.page.get_by_role("row", name=re.compile("Essex Visitor 1")).get_by_role("button", name=re.compile("Withdraw")).click()
    assert "The application was withdrawn." in cora.text()
    stack.settle()
    cora.go(visit_path)
    assert cora.page.get_by_role("row", name=re.compile("Essex Visitor 2")).get_by_text("Offered").count() == 1
    promoted = apps["Essex Visitor 2"]
    stack.call("POST", f"/applications/{promoted['application_id']}/confirm", token=stack.token(promoted["email"]))
    stack.settle()

    # After the visit: learning points come in, the report is assembled, a point is hidden.
    stack.advance(starts + timedelta(hours=7))
    cora.go(visit_path)
    confirmed = [a for a in stack.call("GET", f"/visits/{visit_id}/applications",
                                       token=stack.token("c@p.example", groups=["coordinators"])).body["applications"]
                 if a["status"] == "confirmed"]
    absent = next(a for a in confirmed if a["name"] == "Dee Deputy")
    for a in confirmed:
        cora.page.check(f"#{'absent' if a is absent else 'attended'}-{a['application_id']}")
    cora.page.get_by_role("button", name="Record attendance").click()
    assert "Attendance was recorded." in cora.text()
    assert cora.page.locator(f"#absent-{absent['application_id']}").is_checked()
    assert "3 attended, 1 did not come, 0 not recorded" in cora.page.inner_text("#attendance-summary")
    assert cora.page.get_by_role("row", name=re.compile("Dee Deputy")).get_by_text("did not come").count() == 1
    cora.check("visit-attendance")
    # The background material went, attached, to the visitor not joining the call, byte for byte.
    material = [m for m in stack.outbox("visitor2@essex.police.uk")
                if any(f["filename"] == "briefing.pdf" for f in m["attachments"])]
    assert material, "the background material reached the visitor who cannot join the call"
    pdf = next(f for f in material[0]["attachments"] if f["filename"] == "briefing.pdf")
    assert base64.b64decode(pdf["content"]) == BRIEFING_PDF
    stack.advance(starts + timedelta(days=1, hours=8))
    visitors = [a for a in confirmed if a is not absent]
    for n, visitor in enumerate(visitors):
        reply = stack.call("POST", f"/applications/{visitor['application_id']}/learning-points",
                           {"points": [f"Point {n} from {visitor['name']}"], "will_adopt": "Ward walks"},
                           token=stack.token(visitor["email"]))
        assert reply.status == 201, reply.raw
    stack.settle()
    cora.go(visit_path)
    text = cora.text()
    assert "Assembled" in text
    assert "Point 0 from" in text
    timeline = cora.page.locator("#timeline + .table-scroll")
    assert "Sent" in timeline.inner_text() and "Offer" in timeline.inner_text()
    assert "Planned" in timeline.inner_text()  # the follow-up nudges are still to come
    offers = cora.page.locator("#timeline + .table-scroll tbody tr").filter(
        has=cora.page.locator("th", has_text=re.compile(r"^\s*Offer\s*$")))
    offer_row = offers.filter(has=cora.page.locator("option", has_text="ada@kent.police.uk")).first
    offer_row.get_by_role("combobox").select_option("ada@kent.police.uk")
    before = len(stack.outbox("ada@kent.police.uk"))
    offer_row.get_by_role("button", name="Send again").click()
    assert "The email was sent again" in cora.text()
    stack.settle()
    again = stack.outbox("ada@kent.police.uk")[before:]
    assert len(again) == 1 and "/links/" in again[0]["text"]
    assert cora.page.locator("#timeline + .table-scroll th", has_text=re.compile(r"^\s*Resend\s*$")).count() >= 1
    cora.page.get_by_role("row", name=re.compile("Point 0 from")).get_by_role("button", name=re.compile("Hide")).click()
    assert "kept out of the public summary" in cora.text()
    assert cora.page.get_by_role("row", name=re.compile("Point 0 from")).get_by_text("hidden by a coordinator").count() == 1
    cora.check("visit-report")
    summary = stack.call("GET", f"/reports/{visit_id}").body
    assert len(summary["learning_points"]) == 2
    assert not any("Point 0 from" in str(p) for p in summary["learning_points"])

    # The programme page: the visit, its places and the fairness ledger, chart and table.
    cora.go("/console")
    row = cora.page.get_by_role("row", name=re.compile("^Neighbourhood policing"))
    assert "4 of 5" in row.inner_text()
    ledger = cora.page.locator("#ledger-table")
    assert ledger.get_by_role("row", name=re.compile("Kent Police")).inner_text().split()[-1] == "2"
    assert cora.page.locator("svg.ledger-chart rect").count() == 2
    cora.check("programme")
    export = cora.context.request.get(stack.url + "/console/ledger.csv")
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text())))
    assert rows[0][0] == "organisation" and {r[0]: r[-1] for r in rows[1:]} == {"Kent Police": "2", "Essex Police": "2"}
    applications_csv = cora.context.request.get(stack.url + f"{visit_path}/applications.csv")
    assert applications_csv.status == 200 and "Ada Constable" in applications_csv.text()

    # Signing out ends the session.
    cora.page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in cora.text()
    cora.go("/console")
    assert "/_local/sign-in" in cora.page.url


def test_a_coordinator_cancels_a_visit_only_when_they_confirm_it(stack, browser):
    now = stack.now()
    coordinator = stack.token("c@p.example", groups=["coordinators"])
    created = stack.call("POST", "/visits", {
        "title": "To be cancelled", "theme": "T", "venue": "V", "capacity": 4,
        "host": {"organisation": "H", "contact_name": "N", "contact_email": "n@h.example"},
        "starts_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "applications_close_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}, token=coordinator)
    visit_id = created.body["visit_id"]
    cora = Person(browser, stack, email="cora@programme.example", name="Cora", coordinator=True,
                  next_path=f"/console/visits/{visit_id}")
    cora.page.get_by_role("button", name="Cancel the visit").click()
    assert cora.page.locator("#confirm-error").is_visible()
    cora.check("visit-cancel-unconfirmed")
    cora.page.check("#confirm")
    cora.page.fill("#reason", "The host's building is closed for repairs")
    cora.page.get_by_role("button", name="Cancel the visit").click()
    assert "The visit was cancelled" in cora.text()
    assert stack.call("GET", f"/visits/{visit_id}").body["status"] == "cancelled"
    cora.check("visit-cancelled")
    stack.settle()
    told = stack.outbox("n@h.example")
    assert told and "The host's building is closed for repairs" in told[-1]["text"]
