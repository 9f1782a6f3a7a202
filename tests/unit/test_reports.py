"""Learning points, the host's report, the public summary and the impact note, over the in-memory stores
(and documents) with a fixed clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from shared import clock
from shared import store
from shared.adapters.mailer import RecordingMailer
from shared.models.application import Application
from shared.models.visit import VisitFields
from shared.store import applications as application_items
from shared.store.learning import Reflection
from shared.models.events import ReflectionRecorded
from shared.services import links, outbound, visits
from tests.conftest import TEST_ENV
from tests.helpers import COORDINATOR, Context, call, envelope, member, sqs_event

STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)
HOST_EMAIL = "hana.host@lancashire.example"
KENT_LEAD = "lead@kent.example"
PROGRAMME = TEST_ENV["PROGRAMME_TEAM_EMAIL"]  # the coordinators read the programme team's inbox


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


# application id -> (name, email, organisation, submitted by, status)
PEOPLE = {
    "a-kim": ("Kim Kentish", "kim.kentish@kent.example", "Kent Police", KENT_LEAD, "confirmed"),
    "a-kit": ("Kit Kentworth", "kit.kentworth@kent.example", "Kent Police", KENT_LEAD, "confirmed"),
    "a-orla": ("Orla Openshaw", "orla.openshaw@open.example", "The Open University", "orla.openshaw@open.example",
               "confirmed"),
    "a-wes": ("Wes Withdrawn", "wes.withdrawn@kent.example", "Kent Police", KENT_LEAD, "withdrawn"),
}


class World:
    def __init__(self, fixed: FixedClock, mailer: RecordingMailer, visit_id: str, stores: store.Stores):
        from functions.reports.handler import handler

        self.handler, self.fixed, self.mailer, self.visit_id = handler, fixed, mailer, visit_id
        self.stores = stores
        self.events: list = []

    def written(self) -> list:
        """Every event written so far, in order (what the table's stream carries)."""
        self.events += [event for _, event in self.stores.memory.take_events()]
        return self.events

    def at(self, moment: datetime) -> None:
        self.fixed.moment = moment

    def submit(self, aid: str, body: dict, claims: dict | None = None):
        name, email, organisation, lead, _ = PEOPLE[aid]
        return call(self.handler, "POST", f"/applications/{aid}/learning-points",
                    "/applications/{application_id}/learning-points", body,
                    claims=claims or member(email, organisation), path_parameters={"application_id": aid})

    def answered_event(self, aid: str) -> None:
        """Deliver the LearningPointsSubmitted event the stored points carry (as the publisher would)."""
        event = [e for e in self.written() if e.detail_type == "LearningPointsSubmitted"
                 and e.application_id == aid][-1]
        self.deliver("LearningPointsSubmitted", event.model_dump(mode="json"))

    def timer(self, kind: str, occasion: str = "date1") -> None:
        self.deliver("TimerFired", {"version": 1, "kind": kind, "timer_id": f"{kind}#{self.visit_id}#{occasion}",
                                    "due_at": clock.iso(self.fixed.moment), "visit_id": self.visit_id,
                                    "occasion": occasion})

    def deliver(self, detail_type: str, detail: dict) -> None:
        answer = self.handler(sqs_event(envelope(detail_type, detail)), Context())
        assert answer == {"batchItemFailures": []}

    def report(self, claims: dict = COORDINATOR):
        return call(self.handler, "GET", f"/visits/{self.visit_id}/report", "/visits/{visit_id}/report",
                    claims=claims, path_parameters={"visit_id": self.visit_id})

    def summary(self, **kwargs):
        return call(self.handler, "GET", f"/reports/{self.visit_id}", "/reports/{visit_id}",
                    path_parameters={"visit_id": self.visit_id}, **kwargs)

    def hide(self, aid: str, index: int, claims: dict = COORDINATOR):
        return call(self.handler, "POST", f"/visits/{self.visit_id}/report/hidden-points",
                    "/visits/{visit_id}/report/hidden-points", {"application_id": aid, "index": index},
                    claims=claims, path_parameters={"visit_id": self.visit_id})

    def to_host(self) -> list:
        return self.mailer.to(HOST_EMAIL)


@pytest.fixture
def world():
    stores = store.in_memory()
    store.use_at_entries(stores)  # the handlers these tests call
    fixed = FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc))
    mailer = RecordingMailer()
    clock.use(fixed)
    outbound.use_mailer(mailer)
    try:
        visit = visits.create(stores, VisitFields.model_validate({
            "title": "Staff wellbeing and resilience", "theme": "How to manage staff wellbeing",
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Hana Host",
                     "contact_email": HOST_EMAIL},
            "venue": "Hutton HQ", "starts_at": clock.iso(STARTS), "capacity": 8,
            "applications_close_at": "2026-12-01T00:00:00Z"}))
        for aid, (name, email, organisation, lead, status) in PEOPLE.items():
            stores.memory.items["applications"][aid] = application_items.to_item(Application(
                application_id=aid, visit_id=visit.visit_id, organisation=organisation, status=status,
                submitted_at=fixed.moment, updated_at=fixed.moment, submitted_by=lead, name=name, email=email,
                role="police", job_title="Inspector", motivation="To learn", prep_call="join",
                questions=[f"What would {name.split()[0]} ask about peer support?"]))
        yield World(fixed, mailer, visit.visit_id, stores)
    finally:
        store.use_at_entries(None)
        clock.use(clock.SystemClock())
        outbound.use_mailer(None)


def test_points_are_not_accepted_before_the_visit_starts(world):
    world.at(STARTS - timedelta(minutes=1))
    status, body = world.submit("a-kim", {"points": ["Too early"]})
    assert status == 409 and "start" in body["message"]
    assert world.stores.learning.points_of("a-kim") is None


def test_a_second_submission_replaces_the_first(world):
    world.at(STARTS + timedelta(days=1))
    status, first = world.submit("a-kim", {"points": ["First thought"], "public": False})
    assert status == 201 and first["points"] == ["First thought"] and first["public"] is False
    world.at(STARTS + timedelta(days=2))
    status, second = world.submit("a-kim", {"points": ["Better thought", "Another"], "will_adopt": "Huddles"})
    assert status == 201
    assert second["points"] == ["Better thought", "Another"] and second["public"] is True
    stored = world.stores.learning.points_of("a-kim")
    assert stored.points == ["Better thought", "Another"] and stored.will_adopt == "Huddles"
    assert stored.submitted_at == STARTS + timedelta(days=2)
    assert [e.detail_type for e in world.written()][-2:] == ["LearningPointsSubmitted"] * 2


def test_bad_bodies_are_422_naming_each_field(world):
    world.at(STARTS + timedelta(days=1))
    cases = [({"points": []}, "points"), ({"points": ["x" * 1001]}, "points[0]"),
             ({"points": ["ok"] * 11}, "points"), ({"points": ["ok"], "public": "yes"}, "public"),
             ({"points": ["ok"], "will_adopt": "y" * 2001}, "will_adopt"), ({}, "points")]
    for body, field in cases:
        status, answer = world.submit("a-kim", body)
        assert status == 422 and field in answer["fields"], (body, answer)
    assert world.stores.learning.points_of("a-kim") is None


def test_only_the_visitor_or_their_member_and_only_confirmed_visitors(world):
    world.at(STARTS + timedelta(days=1))
    status, _ = world.submit("a-kim", {"points": ["Not mine"]}, claims=member("someone@else.example", "Kent Police"))
    assert status == 403
    status, _ = world.submit("a-wes", {"points": ["I withdrew"]})
    assert status == 409
    status, _ = world.submit("a-kit", {"points": ["Sent by our lead"]}, claims=member(KENT_LEAD, "Kent Police"))
    assert status == 201


def test_the_email_link_sends_points_with_the_same_body(world):
    from functions.visits.handler import handler as visits_handler

    world.at(STARTS + timedelta(days=1))
    url = links.issue(world.stores, "a-orla", "learning_points", visits.find(world.stores, world.visit_id))
    token = url.rsplit("/", 1)[-1]
    status, answer = call(visits_handler, "POST", f"/links/{token}", "/links/{token}", {"points": ["Via the link"]},
                          path_parameters={"token": token})
    assert status == 201 and answer["points"] == ["Via the link"]
    status, answer = call(visits_handler, "POST", f"/links/{token}", "/links/{token}", {"points": []},
                          path_parameters={"token": token})
    assert status == 422 and "points" in answer["fields"]


def test_the_report_is_assembled_at_fourteen_days_by_the_timer(world):
    world.at(STARTS + timedelta(days=2))
    assert world.submit("a-kim", {"points": ["Protected time for peer supporters"],
                                  "will_adopt": "A peer support rota"})[0] == 201
    world.answered_event("a-kim")
    assert world.to_host() == [] and world.report()[0] == 404  # not everyone has answered yet

    world.at(STARTS + timedelta(days=14))
    world.timer("report_due")
    [email] = world.to_host()
    assert email.subject == "What visitors learned from you: Staff wellbeing and resilience"
    for body in (email.text, email.html):
        assert "Protected time for peer supporters" in body and "A peer support rota" in body
    [attachment] = email.attachments
    assert attachment.filename == "report.html" and "Protected time for peer supporters" in attachment.content

    status, report = world.report()
    assert status == 200
    html_key = report["documents"]["report_html"]
    assert html_key == f"reports/{world.visit_id}/v1/report.html"
    assert report["documents"]["report_text"] == f"reports/{world.visit_id}/v1/report.txt"
    stored = world.stores.documents.get(html_key).content.decode()
    assert "Protected time for peer supporters" in stored and "Tuesday 19 January 2027" in stored
    assert world.written()[-1].detail_type == "ReportPublished"

    status, body = world.submit("a-kit", {"points": ["Too late"]})
    assert status == 409 and "assembled" in body["message"]


def test_a_stale_or_cancelled_timer_assembles_nothing(world):
    world.at(STARTS + timedelta(days=14))
    world.timer("report_due", occasion="date0")
    assert world.report()[0] == 404
    visits.cancel(world.stores, world.visit_id)
    world.timer("report_due")
    assert world.report()[0] == 404 and world.to_host() == []


def test_assembled_at_once_when_every_confirmed_visitor_answered_and_only_once(world):
    world.at(STARTS + timedelta(days=3))
    for aid in ("a-kim", "a-kit", "a-orla"):
        assert world.submit(aid, {"points": [f"Point from {aid}"]})[0] == 201
    world.answered_event("a-orla")
    assert len(world.to_host()) == 1 and world.report()[0] == 200

    world.answered_event("a-kim")
    world.at(STARTS + timedelta(days=14))
    world.timer("report_due")
    world.timer("report_due")
    [email] = world.to_host()
    assert all(f"Point from {aid}" in email.text for aid in ("a-kim", "a-kit", "a-orla"))
    report = world.stores.reports.find(world.visit_id)
    assert report.doc_version == 1 and report.assembled_at == STARTS + timedelta(days=3)


def test_the_coordinators_report_is_full_and_attributed(world):
    world.at(STARTS + timedelta(days=1))
    world.submit("a-kim", {"points": ["Debriefs after incidents"], "will_adopt": "Debrief checklist"})
    world.at(STARTS + timedelta(days=14))
    world.timer("report_due")
    status, report = world.report()
    assert status == 200
    assert report["visit"]["title"] == "Staff wellbeing and resilience"
    assert report["organisations"] == [{"organisation": "Kent Police", "visitors": 2},
                                       {"organisation": "The Open University", "visitors": 1}]
    assert {v["email"] for v in report["visitors"]} == {PEOPLE[a][1] for a in ("a-kim", "a-kit", "a-orla")}
    assert {"Kim Kentish", "Kit Kentworth", "Orla Openshaw"} == {q["name"] for q in report["questions"]}
    [point] = report["points"]
    assert point["name"] == "Kim Kentish" and point["text"] == "Debriefs after incidents"
    assert report["will_adopt"][0]["text"] == "Debrief checklist"


def test_the_public_summary_has_no_personal_data_and_only_public_unhidden_points(world):
    assert world.summary()[0] == 404
    world.at(STARTS + timedelta(days=1))
    world.submit("a-kim", {"points": ["Peer supporters <b>need</b> time", "Names Sgt Smith"]})
    world.submit("a-kit", {"points": ["Keep this between us"], "public": False})
    world.submit("a-orla", {"points": ["Wellbeing data on the board"], "will_adopt": "Board metrics"})
    world.answered_event("a-orla")

    status, summary = world.summary()
    assert status == 200
    assert summary["visitors"] == 3 and summary["organisations"] == 2
    assert summary["visit"]["visit_id"] == world.visit_id and summary["visit"]["date"] == "2027-01-19"
    assert summary["visit"]["host"] == {"organisation": "Lancashire Constabulary"}
    assert sorted(summary["learning_points"]) == sorted(
        ["Peer supporters <b>need</b> time", "Names Sgt Smith", "Wellbeing data on the board"])
    published = json.dumps(summary)
    for name, email, organisation, lead, _ in PEOPLE.values():
        for personal in (*name.split(), email, organisation, lead):
            assert personal not in published
    assert HOST_EMAIL not in published and "Hana Host" not in published and "Board metrics" not in published

    status, page = world.summary(headers={"Accept": "text/html"})
    assert status == 200 and "Peer supporters &lt;b&gt;need&lt;/b&gt; time" in page and "Kim" not in page

    status, answer = world.hide("a-kim", 1)
    assert status == 200 and answer["republished"] is True
    assert "Names Sgt Smith" not in world.summary()[1]["learning_points"]
    [hiding] = [e for e in world.written() if e.detail_type == "SummaryPointHidden"]
    assert hiding.index == 1 and hiding.application_id == "a-kim"
    status, report = world.report()
    assert report["documents"]["summary_json"] == f"reports/{world.visit_id}/v2/summary.json"
    hidden = next(p for p in report["points"] if p["text"] == "Names Sgt Smith")
    assert hidden["hidden"] is True and hidden["published"] is False
    assert world.hide("a-kim", 5)[0] == 422
    assert len(world.to_host()) == 1  # re-publishing does not mail the host again


def test_members_may_not_use_the_coordinators_routes(world):
    kim = member(PEOPLE["a-kim"][1], "Kent Police")
    assert world.report(claims=kim)[0] == 403
    assert world.hide("a-kim", 0, claims=kim)[0] == 403


def test_the_impact_note_goes_to_the_coordinators_and_each_organisations_lead_once(world):
    world.at(STARTS + timedelta(days=1))
    world.submit("a-kim", {"points": ["Huddles"], "will_adopt": "Daily huddles"})
    reflections = {("a-kim", 2): "We piloted huddles on one shift", ("a-orla", 3): "Shared the board idea with staff",
                   ("a-wes", 1): "Withdrawn people are not counted"}
    visit = visits.find(world.stores, world.visit_id)
    for (aid, week), text in reflections.items():
        world.stores.learning.record_reflection(
            Reflection(application_id=aid, visit_id=world.visit_id, week=week, text=text,
                       recorded_at=STARTS + timedelta(days=7 * week)),
            visit, ReflectionRecorded(visit_id=world.visit_id, application_id=aid, organisation="-", week=week))
    world.at(STARTS + timedelta(days=43))
    world.timer("impact_due")
    world.timer("impact_due")

    [to_programme] = world.mailer.to(PROGRAMME)
    assert "We piloted huddles on one shift" in to_programme.text
    assert "Shared the board idea with staff" in to_programme.html and "Daily huddles" in to_programme.text
    [to_kent] = world.mailer.to(KENT_LEAD)
    assert "We piloted huddles on one shift" in to_kent.text and "Shared the board idea" not in to_kent.text
    [to_open] = world.mailer.to(PEOPLE["a-orla"][1])
    assert "Shared the board idea with staff" in to_open.text and "Hello Orla Openshaw" in to_open.text
    assert all("Withdrawn people" not in e.text for e in world.mailer.sent)
    assert all("Kim Kentish" not in e.text for e in world.mailer.sent)
    assert len(world.mailer.sent) == 3


def test_a_stale_impact_timer_sends_nothing(world):
    world.at(STARTS + timedelta(days=43))
    world.timer("impact_due", occasion="date0")
    assert world.mailer.sent == []


def test_the_host_hears_how_many_sent_points_and_cannot_tell_whose_they_are(world):
    world.at(STARTS + timedelta(days=2))
    world.submit("a-kim", {"points": ["Zebra crossings of the mind", "Peer time is protected"]})
    world.submit("a-orla", {"points": ["Measure what matters"], "will_adopt": "A wellbeing dashboard"})
    world.at(STARTS + timedelta(days=14))
    world.timer("report_due")

    [email] = world.to_host()
    assert "3 visitors from 2 organisations came; 2 of them sent their key learning points:" in email.text
    listed = [line[2:] for line in email.text.splitlines() if line.startswith("- ")]
    # One list in text order: the Open University's lone visitor's point is not set apart.
    assert listed[:3] == ["Measure what matters", "Peer time is protected", "Zebra crossings of the mind"]
    learnt = email.attachments[0].content.split("What the visitors learnt")[1]
    assert "The Open University" not in learnt and "Kent Police" not in learnt
    assert "2 of the 3 visitors sent their key learning points" in learnt


def test_no_report_goes_to_the_host_when_no_one_sent_a_point(world):
    world.at(STARTS + timedelta(days=14))
    world.timer("report_due")

    assert world.to_host() == []
