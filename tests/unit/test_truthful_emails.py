"""Emails read as their recipients read them (issue 11): true, to those concerned, calendars that behave.

Reuses the reminders world (a visit a month ahead; alice and bob of Kent Police confirmed, applied
for by their lead, bob not joining the call; carol offered; dave withdrawn; erin waitlisted), the
clock fixed, the mailer recording, the stores in memory.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from icalendar import Calendar

from shared.services import preparation, visits
from tests.helpers import COORDINATOR, call, member
from tests.unit import test_reminders
from tests.unit.test_reminders import DIAL_IN, START, SUBMITTER, email_of, ics_of

world = test_reminders.world  # the reminders world, as a fixture of this module too


def read(email) -> tuple[str, str]:
    """What the recipient reads: the text part, and the HTML part without its markup or stylesheet."""
    html = re.sub(r"<style.*?</style>", " ", email.html, flags=re.S)
    return email.text, " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def events(email) -> dict[str, tuple]:
    """Each attached .ics parsed (it must parse and ask for no reply), by UID prefix ("visit" / "call")."""
    found = {}
    for text in ics_of(email):
        assert "RSVP=TRUE" not in text
        calendar = Calendar.from_ical(text)
        [event] = calendar.walk("VEVENT")
        found[str(event["UID"]).split("-", 1)[0]] = (calendar, event)
    return found


def deliver_written(world) -> None:
    """Deliver to the reminders function the events the stores wrote (as the publisher would)."""
    for _, event in world.stores.memory.take_events():
        if event.detail_type in ("ApplicationWithdrawn", "PrepCallChanged", "VisitScheduleChanged", "VisitCancelled"):
            world.deliver(event.detail_type, event.model_dump(mode="json"))


def withdraw(world, name: str, claims: dict) -> None:
    from functions.intake.handler import handler as intake

    application_id = world.ids[name]
    status, answer = call(intake, "POST", f"/applications/{application_id}/withdraw",
                          "/applications/{application_id}/withdraw", {}, claims=claims,
                          path_parameters={"application_id": application_id})
    assert status == 200, answer
    deliver_written(world)


# --- a coordinator's withdrawal ------------------------------------------------------------------

def test_a_coordinator_s_withdrawal_says_the_team_withdrew_them_and_tells_the_member_who_applied(world):
    withdraw(world, "alice", COORDINATOR)

    [told] = world.to("alice")
    assert told.subject == "Your place on Improving patient flow has been withdrawn"
    for body in read(told):
        assert "The programme team has withdrawn your place" in body
        assert "thank you for letting us know" not in body.lower()
    calendar, cancelled = events(told)["visit"]
    assert calendar["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"

    [lead] = world.mailer.to(SUBMITTER)
    assert lead.subject == "The place of Alice on Improving patient flow has been withdrawn"
    assert "The programme team has withdrawn the place of Alice, whom you applied for" in lead.text
    assert "Alice" in lead.html and lead.attachments == () and "/links/" not in lead.text


def test_a_coordinator_withdrawing_someone_on_the_waiting_list_tells_them_without_a_calendar(world):
    withdraw(world, "erin", COORDINATOR)

    [told] = world.to("erin")
    assert told.subject == "Your application for Improving patient flow has been withdrawn"
    assert "The programme team has withdrawn your application" in told.text and told.attachments == ()


def test_withdrawing_yourself_is_thanked_for_and_the_member_is_not_told_twice(world):
    withdraw(world, "alice", member(email_of("alice"), "Kent Police"))

    [told] = world.to("alice")
    assert told.subject == "You have withdrawn from Improving patient flow"
    assert "Thank you for letting us know" in told.text
    assert world.mailer.to(SUBMITTER) == []


def test_withdrawing_yourself_from_the_waiting_list_is_confirmed_without_a_calendar(world):
    withdraw(world, "erin", member(email_of("erin"), "The Open University"))

    [told] = world.to("erin")
    assert told.subject == "Application withdrawn: Improving patient flow"
    for body in read(told):
        assert "Your application for this visit is withdrawn, as you asked" in body
    assert told.attachments == () and world.mailer.to(SUBMITTER) == []


# --- the follow-up's reflections -----------------------------------------------------------------

def test_week_n_s_reflection_is_taken_from_week_n_s_nudge_on(world):
    alice = world.ids["alice"]
    path, resource = f"/applications/{alice}/reflections", "/applications/{application_id}/reflections"
    claims = member(email_of("alice"), "Kent Police")
    world.clock.moment = START + timedelta(days=7)  # week 1's nudge is due now
    assert world.api("POST", path, resource, {"week": 1, "text": "Huddles."}, claims, application_id=alice)[0] == 201
    status, problem = world.api("POST", path, resource, {"week": 2, "text": "Too soon."}, claims, application_id=alice)
    assert status == 409 and "week 2" in problem["message"] and "2027-04-07" in problem["message"]
    world.clock.moment = START + timedelta(days=14)
    assert world.api("POST", path, resource, {"week": 2, "text": "Now."}, claims, application_id=alice)[0] == 201


# --- the background material ---------------------------------------------------------------------

def test_the_background_material_promises_nothing_from_a_call_not_yet_held(world):
    visit = visits.find(world.stores, world.visit_id)
    email = preparation.background_material(world.stores, visit, visits_application(world, "bob"))
    for body in read(email):
        assert "notes" not in body.lower()


def visits_application(world, name: str):
    from shared.services import applications

    return applications.find(world.stores, world.ids[name])


# --- the preparation call: only for those joining it -----------------------------------------------

def confirm(world, name: str) -> None:
    from shared.services import applications

    application = applications.find(world.stores, world.ids[name])
    applications.change(world.stores, application, None, status="confirmed")
    world.deliver("ApplicationConfirmed", {"version": 1, "visit_id": world.visit_id,
                                           "application_id": world.ids[name], "organisation": application.organisation})


def answer_call(world, name: str, attending: bool) -> None:
    application_id = world.ids[name]
    status, _ = world.api("POST", f"/applications/{application_id}/prep-call", "/applications/{application_id}/prep-call",
                          {"attending": attending}, member(email_of(name), "Avon and Somerset Constabulary"),
                          application_id=application_id)
    assert status == 200
    deliver_written(world)


def test_confirming_makes_the_visit_confirmed_and_invites_to_the_call_only_those_joining_it(world):
    confirm(world, "carol")  # offered, joining the call
    [mail] = world.to("carol")
    assert mail.subject == "Your place is confirmed: Improving patient flow. Preparation call Wednesday 10 March 2027, 14:00 GMT"
    calendar = events(mail)
    _, visit_event = calendar["visit"]
    assert visit_event["STATUS"] == "CONFIRMED" and visit_event["SEQUENCE"] == 3 * 1 + 1
    assert "call" in calendar and DIAL_IN in mail.text and DIAL_IN in mail.html

    from shared.services import applications
    world.mailer.sent.clear()
    applications.change(world.stores, applications.find(world.stores, world.ids["alice"]), None, status="offered",
                        prep_call="cannot_join", attending_prep_call=False)
    confirm(world, "alice")
    [mail] = world.to("alice")
    assert mail.subject == "Your place is confirmed: Improving patient flow"
    assert set(events(mail)) == {"visit"}  # no call invitation for someone who cannot join it
    assert "cannot join the preparation call" in mail.text and "background material" in mail.text
    assert DIAL_IN not in mail.text and "prep_call_invite" not in world.kinds_to("alice")


def test_saying_you_cannot_join_takes_the_call_out_of_your_calendar_and_rejoining_puts_it_back(world):
    confirm(world, "carol")
    [invited] = world.to("carol")
    _, first = events(invited)["call"]
    world.mailer.sent.clear()

    answer_call(world, "carol", False)
    [declined] = world.to("carol")
    assert declined.subject == "Preparation call taken out of your calendar: Improving patient flow"
    calendar, cancelled = events(declined)["call"]
    assert calendar["METHOD"] == "CANCEL" and cancelled["UID"] == first["UID"]
    assert cancelled["SEQUENCE"] > first["SEQUENCE"] and cancelled["STATUS"] == "CANCELLED"
    assert "Your place on the visit itself is not affected" in declined.text
    assert "withdraw" not in declined.text.lower() and "background material" in declined.html

    answer_call(world, "carol", True)
    [back] = world.to("carol")[1:]
    calendar, again = events(back)["call"]
    assert calendar["METHOD"] == "REQUEST" and again["UID"] == first["UID"]
    assert again["SEQUENCE"] > cancelled["SEQUENCE"]
    assert "can join the preparation call" in back.text and "visit" not in events(back)


def test_a_visitor_who_cannot_join_gets_no_call_cancel_when_the_visit_is_cancelled(world):
    confirm(world, "carol")
    answer_call(world, "carol", False)
    world.mailer.sent.clear()
    visits.cancel(world.stores, world.visit_id, reason="The host had to withdraw")
    deliver_written(world)
    [told] = world.to("carol")
    assert set(events(told)) == {"visit"}  # the call's event already left their calendar


# --- schedule changes worded by what changed -------------------------------------------------------

def test_a_first_call_time_is_arranged_not_moved_and_only_for_those_joining_it(world):
    visits.patch(world.stores, world.visit_id, {"prep_call_at": None})
    world.stores.memory.take_events()
    world.mailer.sent.clear()
    visits.patch(world.stores, world.visit_id, {"prep_call_at": "2027-03-10T14:00:00Z"})
    deliver_written(world)
    [alice] = world.to("alice")
    assert alice.subject == "Preparation call arranged: Improving patient flow, Wednesday 10 March 2027, 14:00 GMT"
    for body in read(alice):
        assert "moved" not in body.lower() and "withdraw" not in body.lower()
        assert "background material" in body  # what to do if the time does not suit
    assert set(events(alice)) == {"call"}
    assert world.to("bob") == []  # said they cannot join: no call invitation


def test_a_moved_call_never_advises_withdrawing_from_the_visit(world):
    visits.patch(world.stores, world.visit_id, {"prep_call_at": "2027-03-11T14:00:00Z"})
    deliver_written(world)
    [alice] = world.to("alice")
    assert alice.subject == "Preparation call moved: Improving patient flow, now Thursday 11 March 2027, 14:00 GMT"
    for body in read(alice):
        assert "withdraw" not in body.lower() and "background material" in body
    _, event = events(alice)["call"]
    assert event["SEQUENCE"] == 2 * 2  # call version 2, no answer changes


def test_a_new_time_on_the_same_day_is_a_new_time_and_keeps_the_uid(world):
    visits.patch(world.stores, world.visit_id, {"starts_at": "2027-03-24T11:00:00Z"})
    deliver_written(world)
    [update] = world.to("alice")
    assert update.subject == "New time for Improving patient flow: Wednesday 24 March 2027, 11:00 GMT"
    assert "new date" not in (update.subject + " ".join(read(update))).lower()
    _, event = events(update)["visit"]
    assert str(event["UID"]) == f"visit-{world.visit_id}-app-alice@peer-learning-visits"
    assert event["SEQUENCE"] == 3 * 2 + 1 and event["STATUS"] == "CONFIRMED"
    [offered] = world.to("carol")
    assert events(offered)["visit"][1]["STATUS"] == "TENTATIVE"


def test_a_date_back_to_be_confirmed_takes_the_entry_out_and_a_new_date_puts_it_back_newer(world):
    visits.patch(world.stores, world.visit_id, {"starts_at": None, "prep_call_at": None})
    deliver_written(world)
    unfixed = next(e for e in world.to("alice") if "visit" in events(e))
    assert unfixed.subject == "Date no longer fixed: Improving patient flow"
    calendar, cancelled = events(unfixed)["visit"]
    assert calendar["METHOD"] == "CANCEL" and cancelled["DTSTART"].dt == START

    world.mailer.sent.clear()
    visits.patch(world.stores, world.visit_id, {"starts_at": "2027-03-31T09:00:00Z"})
    deliver_written(world)
    [fixed] = world.to("alice")
    assert fixed.subject == "Date set: Improving patient flow on Wednesday 31 March 2027"
    _, event = events(fixed)["visit"]
    assert event["UID"] == cancelled["UID"] and event["SEQUENCE"] > cancelled["SEQUENCE"]


# --- offers: the member who applied is told; a reminder before the offer lapses -------------------

def to_allocation(world, detail_type: str, detail: dict) -> None:
    from functions.allocation.handler import handler as allocation
    from tests.helpers import Context, envelope, sqs_event

    assert allocation(sqs_event(envelope(detail_type, detail)), Context()) == {"batchItemFailures": []}


def offer(world, name: str, deadline) -> None:
    from shared import clock
    from shared.services import applications

    application = applications.change(world.stores, applications.find(world.stores, world.ids[name]), None,
                                      status="offered", offer_expires_at=deadline)
    to_allocation(world, "ApplicationOffered", {
        "version": 1, "visit_id": world.visit_id, "application_id": application.application_id,
        "organisation": application.organisation, "offer_expires_at": clock.iso(deadline)})


def fire_allocation_timers(world, to) -> None:
    for detail in world.advance(to):
        if detail["kind"] == "offer_reminder":
            to_allocation(world, "TimerFired", detail)


NOW = test_reminders.datetime(2027, 2, 20, 12, 0, tzinfo=test_reminders.timezone.utc)


def test_the_member_who_applied_is_told_of_the_offer_without_the_visitor_s_links_or_calendar(world):
    offer(world, "alice", NOW + timedelta(days=7))

    [offered] = world.to("alice")
    assert offered.subject == "A place for you: Improving patient flow (please confirm by Saturday 27 February 2027)"
    assert "/links/" in offered.text and "visit" in events(offered)
    [lead] = world.mailer.to(SUBMITTER)
    assert lead.subject == "A place for Alice: Improving patient flow (to be confirmed by Saturday 27 February 2027)"
    text, html = read(lead)
    assert "we have offered Alice, whom you applied for, a place" in text and "Alice" in html
    assert "/links/" not in lead.text + lead.html and lead.attachments == ()


def test_an_open_offer_is_recalled_two_days_before_it_lapses_once(world):
    deadline = NOW + timedelta(days=7)
    offer(world, "alice", deadline)
    offer(world, "alice", deadline)  # a redelivered ApplicationOffered plans no second reminder
    world.mailer.sent.clear()

    fire_allocation_timers(world, deadline - timedelta(days=2, hours=1))
    assert world.to("alice") == []
    fire_allocation_timers(world, deadline - timedelta(days=2))
    [reminder] = world.to("alice")
    assert reminder.subject == "Reminder: please confirm your place on Improving patient flow by Saturday 27 February 2027, 12:00 GMT"
    text, html = read(reminder)
    assert "we have not yet had your confirmation" in text and "Confirm my place" in html
    assert "/links/" in reminder.text and world.mailer.to(SUBMITTER)[1:] == []
    fire_allocation_timers(world, deadline - timedelta(hours=1))
    assert len(world.to("alice")) == 1


def test_no_reminder_for_an_offer_confirmed_or_withdrawn_meanwhile(world):
    from shared.services import applications

    deadline = NOW + timedelta(days=7)
    offer(world, "alice", deadline)
    offer(world, "bob", deadline)
    applications.change(world.stores, applications.find(world.stores, world.ids["alice"]), None, status="confirmed")
    applications.change(world.stores, applications.find(world.stores, world.ids["bob"]), None, status="withdrawn")
    world.mailer.sent.clear()
    fire_allocation_timers(world, deadline - timedelta(hours=1))
    assert world.to("alice") == [] and world.to("bob") == []


def test_the_member_is_told_when_an_offer_lapses(world):
    from shared.services import applications

    deadline = NOW + timedelta(days=7)
    offer(world, "alice", deadline)
    applications.change(world.stores, applications.find(world.stores, world.ids["alice"]), None, status="expired")
    world.mailer.sent.clear()
    to_allocation(world, "ApplicationExpired", {"version": 1, "visit_id": world.visit_id,
                                                "application_id": world.ids["alice"], "organisation": "Kent Police"})
    [lapsed] = world.to("alice")
    assert lapsed.subject == "Your offer has lapsed: Improving patient flow"
    assert events(lapsed)["visit"][0]["METHOD"] == "CANCEL"
    [lead] = world.mailer.to(SUBMITTER)
    assert lead.subject == "The offer to Alice has lapsed: Improving patient flow"
    assert "was not confirmed by Saturday 27 February 2027, 12:00 GMT" in lead.text and lead.attachments == ()


# --- the waiting list ------------------------------------------------------------------------------

def test_the_member_is_told_of_the_waiting_list_and_all_still_waiting_hear_once_that_no_place_came(world):
    from shared.services import applications

    applications.change(world.stores, applications.find(world.stores, world.ids["bob"]), None, status="waitlisted",
                        waitlist_position=2,
                        waitlist_reason="The visit is full: all 6 places have been given out, in the order of priority.")
    to_allocation(world, "ApplicationWaitlisted", {"version": 1, "visit_id": world.visit_id,
                                                   "application_id": world.ids["bob"], "organisation": "Kent Police",
                                                   "position": 2, "reason": "full"})
    [bob] = world.to("bob")
    assert bob.subject == "Waiting list for Improving patient flow: you are number 2"
    [lead] = world.mailer.to(SUBMITTER)
    assert lead.subject == "Waiting list for Improving patient flow: Bob is number 2"
    assert "/links/" not in lead.text

    world.created()
    world.mailer.sent.clear()
    world.advance(START - timedelta(days=2, hours=1))
    assert world.to("erin") == []
    world.advance(START - timedelta(days=2))
    for name in ("erin", "bob"):
        [notice] = world.to(name)
        assert notice.subject == "No place came free: Improving patient flow"
        text, html = read(notice)
        assert "none will be offered now" in text and "none will be offered now" in html
        assert "/links/" not in notice.text and notice.attachments == ()
    [lead] = world.mailer.to(SUBMITTER)
    assert lead.subject == "No place came free: Improving patient flow" and "no place came free for Bob" in lead.text
    assert all("No place" not in e.subject for e in world.to("alice") + world.to("carol"))  # holders are not told
    world.advance(START - timedelta(days=1))
    assert [e.subject for e in world.to("erin")] == ["No place came free: Improving patient flow"]


# --- the timeline: planned, sent or skipped (with why) ----------------------------------------------

def timeline(world) -> list[dict]:
    status, body = world.api("GET", f"/visits/{world.visit_id}/timeline", "/visits/{visit_id}/timeline",
                             claims=COORDINATOR, visit_id=world.visit_id)
    assert status == 200
    return body["items"]


def test_a_reminder_whose_time_passed_before_anyone_held_a_place_is_skipped_not_planned_for_ever(world):
    from shared.services import applications

    for name in ("alice", "bob", "carol"):
        applications.change(world.stores, applications.find(world.stores, world.ids[name]), None, status="waitlisted")
    world.created()
    world.advance(START - timedelta(days=7))
    items = timeline(world)
    [reminder] = [i for i in items if i["kind"] == "visit_reminder_7d"]
    assert reminder["status"] == "skipped" and reminder["reason"] == "no one held a place when it was due"
    assert reminder["to"] == [] and "sent_at" not in reminder
    [host] = [i for i in items if i["kind"] == "host_questions"]
    assert host["status"] == "sent" and host["sent_at"]
    assert {i["status"] for i in items if i["due_at"] > "2027-03-18"} == {"planned"}


def test_learning_points_asked_after_the_report_is_assembled_are_skipped_with_that_reason(world):
    world.created()
    world.advance(START + timedelta(days=1))
    world.stores.reports.claim(world.visit_id, occasion="date1", claimed_at=START + timedelta(days=2),
                               visit=visits.find(world.stores, world.visit_id))
    world.advance(START + timedelta(days=6))
    assert "learning_points_reminder" not in world.kinds_to("bob")
    items = timeline(world)
    [reminder] = [i for i in items if i["kind"] == "learning_points_reminder"]
    assert reminder["status"] == "skipped" and reminder["reason"] == "the report was already assembled"
    [request] = [i for i in items if i["kind"] == "learning_points_request"]
    assert request["status"] == "sent" and set(request["to"]) == {email_of("alice"), email_of("bob")}


def test_what_was_already_past_when_the_date_was_set_is_skipped_and_an_open_offer_s_reminder_planned(world):
    from shared.services import applications

    world.clock.moment = START - timedelta(days=3)
    applications.change(world.stores, applications.find(world.stores, world.ids["carol"]), None,
                        offer_expires_at=START - timedelta(days=2))
    world.created()
    items = timeline(world)
    [week_before] = [i for i in items if i["kind"] == "visit_reminder_7d"]
    assert week_before["status"] == "skipped" and "had passed before it was planned" in week_before["reason"]
    assert [i for i in items if i["kind"] == "offer"] == []  # the offer lapses in a day: its reminder is past
    world.clock.moment = START - timedelta(days=20)
    [reminder] = [i for i in timeline(world) if i["kind"] == "offer"]
    assert reminder["status"] == "planned" and reminder["to"] == [email_of("carol")]
    assert reminder["due_at"] == "2027-03-20T09:00:00Z"


def test_an_offered_place_handed_to_a_colleague_is_recalled_to_them_before_it_lapses(world):
    from functions.intake.handler import handler as intake
    from shared.services import applications

    deadline = NOW + timedelta(days=7)
    offer(world, "carol", deadline)
    status, new = call(intake, "POST", f"/applications/{world.ids['carol']}/substitute",
                       "/applications/{application_id}/substitute",
                       {"name": "Cy Colleague", "email": "cy@visitors.example", "role": "staff", "job_title": "Analyst"},
                       claims=COORDINATOR, path_parameters={"application_id": world.ids["carol"]})
    assert status == 201 and new["status"] == "offered"
    world.stores.memory.take_events()
    world.deliver("SubstituteTookPlace", {"version": 1, "visit_id": world.visit_id,
                                          "application_id": new["application_id"],
                                          "organisation": "Avon and Somerset Constabulary",
                                          "replaces": world.ids["carol"], "status": "offered"})
    fire_allocation_timers(world, deadline - timedelta(days=2))
    reminders = [e for e in world.mailer.to("cy@visitors.example") if e.subject.startswith("Reminder: please confirm")]
    assert len(reminders) == 1 and "/links/" in reminders[0].text
    assert applications.find(world.stores, world.ids["carol"]).status == "substituted"


def test_the_host_hears_a_new_time_as_such_and_a_date_no_longer_fixed_leaves_their_calendar(world):
    from tests.unit.test_reminders import HOST

    world.created()
    world.advance(START - timedelta(days=7))  # the visitors' list, with the host's calendar event
    [listing] = world.mailer.to(HOST)
    _, held = events(listing)["host"]
    world.mailer.sent.clear()

    visits.patch(world.stores, world.visit_id, {"starts_at": "2027-03-24T11:00:00Z"})
    deliver_written(world)
    [moved] = world.mailer.to(HOST)
    assert moved.subject == "New time for the visit you are hosting: Improving patient flow, Wednesday 24 March 2027, 11:00 GMT"
    assert "keeps its date, but its time has changed" in read(moved)[0] and "new date" not in moved.subject.lower()
    calendar, updated = events(moved)["host"]
    assert calendar["METHOD"] == "REQUEST" and updated["UID"] == held["UID"] and updated["SEQUENCE"] > held["SEQUENCE"]

    world.mailer.sent.clear()
    visits.patch(world.stores, world.visit_id, {"starts_at": None, "prep_call_at": None})
    deliver_written(world)
    [unfixed] = world.mailer.to(HOST)
    calendar, cancelled = events(unfixed)["host"]
    assert calendar["METHOD"] == "CANCEL" and cancelled["UID"] == held["UID"]
    assert cancelled["SEQUENCE"] > updated["SEQUENCE"] and "takes the visit out of your calendar" in unfixed.text
