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
    visit = visits.find(world.visit_id)
    email = preparation.background_material(visit, visits_application(world, "bob"))
    for body in read(email):
        assert "notes" not in body.lower()


def visits_application(world, name: str):
    from shared.services import applications

    return applications.find(world.ids[name])


# --- the preparation call: only for those joining it -----------------------------------------------

def confirm(world, name: str) -> None:
    from shared.services import applications

    application = applications.find(world.ids[name])
    applications.change(application, None, status="confirmed")
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
    applications.change(applications.find(world.ids["alice"]), None, status="offered", prep_call="cannot_join",
                        attending_prep_call=False)
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
    visits.cancel(world.visit_id, reason="The host had to withdraw")
    deliver_written(world)
    [told] = world.to("carol")
    assert set(events(told)) == {"visit"}  # the call's event already left their calendar


# --- schedule changes worded by what changed -------------------------------------------------------

def test_a_first_call_time_is_arranged_not_moved_and_only_for_those_joining_it(world):
    visits.patch(world.visit_id, {"prep_call_at": None})
    world.stores.memory.take_events()
    world.mailer.sent.clear()
    visits.patch(world.visit_id, {"prep_call_at": "2027-03-10T14:00:00Z"})
    deliver_written(world)
    [alice] = world.to("alice")
    assert alice.subject == "Preparation call arranged: Improving patient flow, Wednesday 10 March 2027, 14:00 GMT"
    for body in read(alice):
        assert "moved" not in body.lower() and "withdraw" not in body.lower()
        assert "background material" in body  # what to do if the time does not suit
    assert set(events(alice)) == {"call"}
    assert world.to("bob") == []  # said they cannot join: no call invitation


def test_a_moved_call_never_advises_withdrawing_from_the_visit(world):
    visits.patch(world.visit_id, {"prep_call_at": "2027-03-11T14:00:00Z"})
    deliver_written(world)
    [alice] = world.to("alice")
    assert alice.subject == "Preparation call moved: Improving patient flow, now Thursday 11 March 2027, 14:00 GMT"
    for body in read(alice):
        assert "withdraw" not in body.lower() and "background material" in body
    _, event = events(alice)["call"]
    assert event["SEQUENCE"] == 2 * 2  # call version 2, no answer changes


def test_a_new_time_on_the_same_day_is_a_new_time_and_keeps_the_uid(world):
    visits.patch(world.visit_id, {"starts_at": "2027-03-24T11:00:00Z"})
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
    visits.patch(world.visit_id, {"starts_at": None, "prep_call_at": None})
    deliver_written(world)
    unfixed = next(e for e in world.to("alice") if "visit" in events(e))
    assert unfixed.subject == "Date no longer fixed: Improving patient flow"
    calendar, cancelled = events(unfixed)["visit"]
    assert calendar["METHOD"] == "CANCEL" and cancelled["DTSTART"].dt == START

    world.mailer.sent.clear()
    visits.patch(world.visit_id, {"starts_at": "2027-03-31T09:00:00Z"})
    deliver_written(world)
    [fixed] = world.to("alice")
    assert fixed.subject == "Date set: Improving patient flow on Wednesday 31 March 2027"
    _, event = events(fixed)["visit"]
    assert event["UID"] == cancelled["UID"] and event["SEQUENCE"] > cancelled["SEQUENCE"]
