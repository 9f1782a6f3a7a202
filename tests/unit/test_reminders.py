"""Every timed communication, exactly once, over the in-memory stores with a fixed clock.

The reminders function is called as Lambda calls it: SQS batches of EventBridge envelopes
(TimerFired, VisitScheduleChanged, ...) and API Gateway events for its routes. Timers are
fired as the hourly sweep and the publisher would: due timers removed, each announced as
TimerFired with its payload.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from shared import clock
from shared import store
from shared.store.learning import LearningPoints
from shared.adapters.mailer import RecordingMailer
from shared.models.application import Application
from shared.models.events import LearningPointsSubmitted, TimerFired
from shared.models.visit import VisitFields
from shared.store import applications as application_items
from shared.services import applications, outbound, visits
from shared.services import material as uploads
from tests.helpers import COORDINATOR, Context, call, envelope, member, sqs_event

START = datetime(2027, 3, 24, 9, 0, tzinfo=timezone.utc)
CALL = datetime(2027, 3, 10, 14, 0, tzinfo=timezone.utc)
DIAL_IN = "0800 123 4567, PIN 9876"
HOST = "pat@sheffield-nhs.example"
VISIT = {
    "title": "Improving patient flow", "theme": "Capacity and demand management",
    "host": {"organisation": "Sheffield Teaching Hospitals NHS Trust", "contact_name": "Pat Host", "contact_email": HOST},
    "venue": "Northern General Hospital", "starts_at": START, "capacity": 6,
    "applications_close_at": datetime(2027, 2, 1, tzinfo=timezone.utc), "prep_call_at": CALL,
    "prep_call_dial_in": DIAL_IN,
}
# name, organisation, status, prep_call
PEOPLE = {
    "alice": ("Kent Police", "confirmed", "join"),
    "bob": ("Kent Police", "confirmed", "cannot_join"),
    "carol": ("Avon and Somerset Constabulary", "offered", "join"),
    "dave": ("Avon and Somerset Constabulary", "withdrawn", "join"),
    "erin": ("The Open University", "waitlisted", "join"),
}
SUBMITTER = "lead@kent.example"


def email_of(name: str) -> str:
    return f"{name}@visitors.example"


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def world():
    """A visit with five applicants in every state, the clock a month before the visit."""
    from functions.reminders.handler import handler

    stores = store.in_memory()
    store.use_at_entries(stores)  # the handlers these tests call
    fixed = FixedClock(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    clock.use(fixed)
    mailer = RecordingMailer()
    outbound.use_mailer(mailer)
    try:
        visit = visits.create(stores, VisitFields.model_validate(VISIT))
        ids = {}
        for n, (name, (organisation, status, prep_call)) in enumerate(PEOPLE.items()):
            at = datetime(2027, 1, 10 + n, tzinfo=timezone.utc)
            application = Application(
                name=name.title(), email=email_of(name), role="police", job_title="Inspector",
                motivation="To learn", questions=[f"How does {name}'s question get answered?"], prep_call=prep_call,
                application_id=f"app-{name}", visit_id=visit.visit_id, organisation=organisation, status=status,
                submitted_at=at, submitted_by=SUBMITTER if organisation == "Kent Police" else email_of(name),
                updated_at=at, attending_prep_call=prep_call == "join")
            # Stored as intake and allocation store them (what reminders read).
            stores.memory.items["applications"][application.application_id] = application_items.to_item(application)
            ids[name] = application.application_id
        yield World(handler, fixed, mailer, visit.visit_id, ids, stores)
    finally:
        store.use_at_entries(None)
        clock.use(clock.SystemClock())
        outbound.use_mailer(None)


class World:
    def __init__(self, handler, fixed, mailer, visit_id, ids, stores: store.Stores):
        self.handler, self.clock, self.mailer, self.visit_id, self.ids = handler, fixed, mailer, visit_id, ids
        self.stores = stores
        self.events: list = []

    def last_event(self, application_id: str) -> str:
        """The detail-type of the last event written about an application (what its item carries)."""
        self.events += [event for _, event in self.stores.memory.take_events()]
        return [e.detail_type for e in self.events if getattr(e, "application_id", None) == application_id][-1]

    def deliver(self, detail_type: str, detail: dict) -> None:
        answer = self.handler(sqs_event(envelope(detail_type, detail)), Context())
        assert answer == {"batchItemFailures": []}

    def created(self) -> None:
        self.deliver("VisitCreated", {"version": 1, "visit_id": self.visit_id})

    def advance(self, to: datetime) -> list[dict]:
        """Move the clock and fire every due timer as the sweep and the publisher would (in due order)."""
        self.clock.moment = to
        fired = []
        timers = self.stores.timers
        for timer in timers.due(to):
            assert timers.fire(timer)
            detail = TimerFired(kind=timer.kind, timer_id=timer.timer_id, due_at=clock.iso(timer.due_at),
                                **timer.payload).model_dump(mode="json")
            fired.append(detail)
            if timer.kind == "communication":  # report_due / impact_due belong to the reports function
                self.deliver("TimerFired", detail)
        return fired

    def to(self, name: str) -> list:
        return self.mailer.to(email_of(name))

    def kinds_to(self, name: str) -> list[str]:
        """The sent records' kinds for a recipient (what the timeline calls them)."""
        return sorted(r.kind for r in outbound.sent_records(self.stores,
                                                            self.visit_id) if r.recipient == email_of(name))

    def api(self, method: str, path: str, resource: str, body=None, claims=None, **params):
        return call(self.handler, method, path, resource, body, claims=claims, path_parameters=params)


def ics_of(email) -> list[str]:
    return [a.content for a in email.attachments if a.content_type.startswith("text/calendar")]


def test_each_reminder_goes_once_to_holders_even_when_delivered_twice(world):
    world.created()
    world.created()  # a re-delivered event plans nothing twice
    timer_ids = [t.timer_id for t in world.stores.timers.due(START + timedelta(days=365))]
    assert len(timer_ids) == len(set(timer_ids))
    fired = world.advance(START - timedelta(days=7))
    assert {f["communication"] for f in fired if f["kind"] == "communication"} >= {
        "prep_call_reminder", "background_material", "visit_reminder_7d", "host_questions"}
    for detail in fired:  # SQS delivers at least once
        if detail["kind"] == "communication":
            world.deliver("TimerFired", detail)
    for name in ("alice", "bob", "carol"):
        assert [e.subject for e in world.to(name)].count(world.to(name)[-1].subject) == 1
        assert world.kinds_to(name).count("visit_reminder_7d") == 1
    assert world.to("dave") == [] and world.to("erin") == []
    [host] = world.mailer.to(HOST)
    assert "alice's question" in host.text and "Kent Police" in host.text
    assert "dave's question" not in host.text and "erin's question" not in host.text


def test_call_reminder_carries_the_dial_in_and_non_attendees_get_the_material(world):
    uploads.upload(world.stores, world.visit_id, "briefing.pdf", b"%PDF-1.4 briefing", "application/pdf")
    world.created()
    world.advance(CALL - timedelta(hours=24))
    [reminder] = world.to("alice")
    assert reminder.subject.startswith("Reminder: preparation call") and DIAL_IN in reminder.text
    [material] = world.to("bob")
    assert "background material" in material.text.lower()
    assert [(a.filename, a.content) for a in material.attachments] == [("briefing.pdf", b"%PDF-1.4 briefing")]
    assert world.to("carol") == []  # an offer not yet confirmed: no call, no material
    assert world.kinds_to("alice") == ["prep_call_reminder"] and world.kinds_to("bob") == ["background_material"]


def test_confirmation_brings_the_call_invitation_with_its_calendar_event(world):
    for name in ("alice", "bob"):
        world.deliver("ApplicationConfirmed", {"version": 1, "visit_id": world.visit_id,
                                               "application_id": world.ids[name], "organisation": "Kent Police"})
    [invite] = world.to("alice")
    assert DIAL_IN in invite.text
    [visit_ics, ics] = ics_of(invite)
    assert f"UID:call-{world.visit_id}-app-alice@peer-learning-visits" in ics
    assert "SEQUENCE:2" in ics and "METHOD:REQUEST" in ics and "RSVP=TRUE" not in ics
    # the visit's own event again, now CONFIRMED, above the offer's TENTATIVE one (3 x date version)
    assert f"UID:visit-{world.visit_id}-app-alice@peer-learning-visits" in visit_ics
    assert "STATUS:CONFIRMED" in visit_ics and "SEQUENCE:4" in visit_ics
    assert "You told us you cannot join" not in invite.text
    [told] = world.to("bob")  # cannot join: the confirmed visit, and no call invitation
    assert "cannot join the preparation call, so we will email you the background material" in told.text
    assert [ics for ics in ics_of(told) if "UID:call-" in ics] == []


def test_a_date_move_updates_calendars_and_stale_timers_send_nothing(world):
    world.created()
    old = START - timedelta(days=7)
    moved = START + timedelta(days=14)
    visits.patch(world.stores, world.visit_id, {"starts_at": clock.iso(moved)})
    world.deliver("VisitScheduleChanged", {"version": 1, "visit_id": world.visit_id, "date_version": 2,
                                           "call_version": 1, "date_changed": True, "call_changed": False,
                                           "previous_starts_at": clock.iso(START)})
    for name in ("alice", "bob", "carol"):
        [update] = [e for e in world.to(name) if "New date" in e.subject]
        assert "7 April 2027" in update.subject
        [ics] = ics_of(update)
        assert f"UID:visit-{world.visit_id}-app-{name}@peer-learning-visits" in ics
        sequence = 3 * 2 + (name != "carol")  # a confirmed place's event is one above the offer's
        assert f"SEQUENCE:{sequence}" in ics and "METHOD:REQUEST" in ics and "DTSTART:20270407T090000Z" in ics
    assert world.to("dave") == [] and world.to("erin") == []
    world.mailer.sent.clear()
    world.advance(old)  # the old date's reminders fire: stale, nothing is sent
    assert [e for e in world.mailer.sent if "One week to go" in e.subject] == []
    assert world.mailer.to(HOST) == []
    world.advance(moved - timedelta(days=7))
    assert len([e for e in world.to("alice") if "One week to go" in e.subject]) == 1
    assert len(world.mailer.to(HOST)) == 1


def test_a_withdrawn_visitor_gets_a_cancellation_and_nothing_more(world):
    world.created()
    application = applications.find(world.stores, world.ids["alice"])
    applications.change(world.stores, application, None, status="withdrawn")
    world.deliver("ApplicationWithdrawn", {"version": 1, "visit_id": world.visit_id, "application_id": world.ids["alice"],
                                           "organisation": "Kent Police", "previous_status": "confirmed"})
    [cancelled] = world.to("alice")
    visit_ics = [i for i in ics_of(cancelled) if "UID:visit-" in i]
    assert visit_ics and "METHOD:CANCEL" in visit_ics[0] and "SEQUENCE:5" in visit_ics[0]
    assert f"UID:visit-{world.visit_id}-app-alice@peer-learning-visits" in visit_ics[0]
    world.advance(START + timedelta(days=50))
    assert world.kinds_to("alice") == ["cancellation"]
    assert "follow_up_week_6" in world.kinds_to("bob")


def test_learning_points_reminder_goes_only_to_those_who_have_not_answered(world):
    world.created()
    world.advance(START + timedelta(days=1))
    for name in ("alice", "bob"):
        [request] = [e for e in world.to(name) if "learning points" in e.subject.lower()]
        assert "/links/" in request.text
    world.stores.learning.submit_points(
        LearningPoints(application_id=world.ids["alice"], visit_id=world.visit_id, organisation="Kent Police",
                       points=["Huddles work"], submitted_at=START + timedelta(days=2)),
        visits.find(world.stores, world.visit_id), LearningPointsSubmitted(visit_id=world.visit_id,
                                                                           application_id=world.ids["alice"],
                                                             organisation="Kent Police"))
    world.advance(START + timedelta(days=6))
    assert "learning_points_reminder" not in world.kinds_to("alice")
    assert world.kinds_to("bob").count("learning_points_reminder") == 1
    assert "learning_points_request" not in world.kinds_to("carol")  # an unconfirmed offer is no visitor


def test_weekly_nudges_differ_and_stop_when_the_applicant_asks(world):
    from functions.visits.handler import handler as visits_api

    world.created()
    world.advance(START + timedelta(days=7))
    [week1] = [e for e in world.to("bob") if e.subject.startswith("Week 1")]
    # the submitting member is not the applicant: they may not stop it
    status, _ = world.api("POST", f"/applications/{world.ids['bob']}/stop-follow-up",
                          "/applications/{application_id}/stop-follow-up", claims=member(SUBMITTER, "Kent Police"),
                          application_id=world.ids["bob"])
    assert status == 403
    token = re.search(r"Stop these weekly emails: \S+/links/(\S+)", week1.text).group(1)
    status, body = call(visits_api, "POST", f"/links/{token}", "/links/{token}", {},
                        path_parameters={"token": token})
    assert (status, body["follow_up_stopped"]) == (200, True)
    world.advance(START + timedelta(days=14))
    [week2] = [e for e in world.to("alice") if e.subject.startswith("Week 2")]
    assert week2.subject != [e for e in world.to("alice") if e.subject.startswith("Week 1")][0].subject
    assert [k for k in world.kinds_to("bob") if k.startswith("follow_up")] == ["follow_up_week_1"]
    status, _ = world.api("POST", f"/applications/{world.ids['alice']}/stop-follow-up",
                          "/applications/{application_id}/stop-follow-up", claims=member(email_of("alice"), "Kent Police"),
                          application_id=world.ids["alice"])
    assert status == 200
    # No state change without its event: the stop is written with its own FollowUpStopped.
    assert world.last_event(world.ids["alice"]) == "FollowUpStopped"
    world.advance(START + timedelta(days=43))
    assert [k for k in world.kinds_to("alice") if k.startswith("follow_up")] == ["follow_up_week_1", "follow_up_week_2"]


def test_reflections_from_the_visit_start_replace_per_week(world):
    alice = world.ids["alice"]
    path, resource = f"/applications/{alice}/reflections", "/applications/{application_id}/reflections"
    claims = member(email_of("alice"), "Kent Police")
    body = {"week": 1, "text": "We tried a daily huddle.", "applied": "On my team"}
    assert world.api("POST", path, resource, body, claims, application_id=alice)[0] == 409  # before the visit
    world.clock.moment = START + timedelta(days=8)
    status, answer = world.api("POST", path, resource, body, claims, application_id=alice)
    assert status == 201 and answer["week"] == 1 and "applied" not in answer  # unnamed fields are dropped
    status, _ = world.api("POST", path, resource, {**body, "text": "Now two huddles."}, claims, application_id=alice)
    assert status == 201
    [stored] = world.stores.learning.reflections_of(alice)
    assert stored.text == "Now two huddles." and world.last_event(alice) == "ReflectionRecorded"
    status, problem = world.api("POST", path, resource, {"week": 7, "text": ""}, claims, application_id=alice)
    assert status == 422 and {"week", "text"} <= set(problem["fields"])
    carol = world.ids["carol"]
    assert world.api("POST", f"/applications/{carol}/reflections", resource, body, member(email_of("carol"), "Avon"),
                     application_id=carol)[0] == 409


def test_the_call_answer_decides_reminder_or_material(world):
    world.created()
    alice = world.ids["alice"]
    status, answer = world.api("POST", f"/applications/{alice}/prep-call", "/applications/{application_id}/prep-call",
                               {"attending": False}, member(SUBMITTER, "Kent Police"), application_id=alice)
    assert (status, answer["attending"]) == (200, False)
    assert world.last_event(alice) == "PrepCallChanged"
    assert world.api("POST", f"/applications/{alice}/prep-call", "/applications/{application_id}/prep-call",
                     {"attending": "maybe"}, member(SUBMITTER, "Kent Police"), application_id=alice)[0] == 422
    assert world.api("POST", f"/applications/{alice}/prep-call", "/applications/{application_id}/prep-call",
                     {"attending": True}, member("someone@else.example", "Kent Police"), application_id=alice)[0] == 403
    world.advance(CALL - timedelta(hours=24))
    assert world.kinds_to("alice") == ["background_material"]
    [material] = world.to("alice")  # no material stored for the visit: a default text
    assert material.attachments == () and "Capacity and demand management" in material.text


def test_the_timeline_lists_planned_and_sent_items(world):
    world.created()
    world.advance(START - timedelta(days=7))
    path, resource = f"/visits/{world.visit_id}/timeline", "/visits/{visit_id}/timeline"
    assert world.api("GET", path, resource, claims=member(email_of("alice"), "Kent Police"),
                     visit_id=world.visit_id)[0] == 403
    status, body = world.api("GET", path, resource, claims=COORDINATOR, visit_id=world.visit_id)
    assert status == 200
    items = body["items"]
    assert [i["due_at"] for i in items] == sorted(i["due_at"] for i in items)
    [reminder] = [i for i in items if i["kind"] == "visit_reminder_7d"]
    assert reminder["sent_at"] == "2027-03-17T09:00:00Z"
    assert sorted(reminder["to"]) == sorted(email_of(n) for n in ("alice", "bob", "carol"))
    [week1] = [i for i in items if i["kind"] == "follow_up_week_1"]
    assert "sent_at" not in week1 and week1["due_at"] == "2027-03-31T09:00:00Z"
    assert sorted(week1["to"]) == [email_of("alice"), email_of("bob")]
    [host] = [i for i in items if i["kind"] == "host_questions"]
    assert host["to"] == [HOST] and host["sent_at"]
    kinds = {i["kind"] for i in items}
    assert [i["kind"] for i in items].count("report_to_host") == 1
    # the reports function sends the host's report under its own occasion: it replaces the planned item
    world.clock.moment = START + timedelta(days=14)
    outbound.send_once(world.stores, visit=visits.find(world.stores, world.visit_id), kind="report_to_host", occasion="report", recipient=HOST,
                       email=world.mailer.sent[0])
    [report] = [i for i in world.api("GET", path, resource, claims=COORDINATOR, visit_id=world.visit_id)[1]["items"]
                if i["kind"] == "report_to_host"]
    assert report["sent_at"] == "2027-04-07T09:00:00Z" and report["to"] == [HOST]
    assert {f"follow_up_week_{n}" for n in range(1, 7)} | {"report_to_host", "impact_note", "learning_points_request"} <= kinds


def test_a_cancelled_visit_sends_cancellations_and_nothing_after(world):
    world.created()
    visits.cancel(world.stores, world.visit_id)
    world.deliver("VisitCancelled", {"version": 1, "visit_id": world.visit_id})
    world.deliver("VisitCancelled", {"version": 1, "visit_id": world.visit_id})
    for name in ("alice", "bob", "carol"):
        [cancelled] = world.to(name)
        assert cancelled.subject.startswith("Cancelled")
        [visit_ics] = [i for i in ics_of(cancelled) if "UID:visit-" in i]
        assert "METHOD:CANCEL" in visit_ics and "STATUS:CANCELLED" in visit_ics
        assert f"UID:visit-{world.visit_id}-app-{name}@peer-learning-visits" in visit_ics
    assert world.to("dave") == []  # withdrawn: nothing more
    # erin applied for herself and is on the waiting list: told as the member who applied, with no event
    [told] = world.to("erin")
    assert told.subject.startswith("Cancelled") and "on the waiting list" in told.text and not told.attachments
    # the host and the member who applied for alice and bob are told once each
    assert len(world.mailer.to(HOST)) == 1 and len(world.mailer.to(SUBMITTER)) == 1
    assert "Alice" in world.mailer.to(SUBMITTER)[0].text and "Bob" in world.mailer.to(SUBMITTER)[0].text
    before = len(world.mailer.sent)
    world.advance(START + timedelta(days=60))
    assert len(world.mailer.sent) == before



def test_learning_points_are_asked_only_of_those_who_have_not_sent_them_and_never_after_the_report(world):
    world.created()
    world.stores.learning.submit_points(
        LearningPoints(application_id=world.ids["alice"], visit_id=world.visit_id, organisation="Kent Police",
                       points=["Sent on the day"], submitted_at=START + timedelta(hours=8)),
        visits.find(world.stores, world.visit_id), LearningPointsSubmitted(visit_id=world.visit_id,
                                                                           application_id=world.ids["alice"],
                                                             organisation="Kent Police"))
    world.advance(START + timedelta(days=1))
    assert [k for k in world.kinds_to("alice") if k.startswith("learning")] == []  # already answered
    [request] = [e for e in world.to("bob") if "learning points" in e.subject.lower()]
    assert "Please send yours before" in request.text
    world.stores.reports.claim(world.visit_id, occasion="date1", claimed_at=START + timedelta(days=3),
                               visit=visits.find(world.stores, world.visit_id))
    world.advance(START + timedelta(days=6))
    assert "learning_points_reminder" not in world.kinds_to("bob")  # the report is assembled: points are closed


def test_the_withdrawing_coordinator_is_told_apart_from_the_visitor():
    from shared.auth import Caller
    from shared.services.intake import _withdrawn_by

    application = Application(
        name="Alice", email="alice@visitors.example", role="police", job_title="Inspector", motivation="To learn",
        questions=["How?"], prep_call="join", application_id="a1", visit_id="v1", organisation="Kent Police",
        status="confirmed", submitted_at=START, submitted_by="lead@kent.example", updated_at=START)
    coordinator = Caller(email="coord@centre.example", name="C", organisation="", groups=frozenset({"coordinators"}))
    assert _withdrawn_by(application, coordinator) == "coordinator"
    assert _withdrawn_by(application, Caller(email="lead@kent.example", name="L", organisation="Kent Police",
                                             groups=frozenset())) == "visitor"
