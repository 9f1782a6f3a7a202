"""Emails read as their recipients read them (issue 11): true, to those concerned, calendars that behave.

Reuses the reminders world (a visit a month ahead; alice and bob of Kent Police confirmed, applied
for by their lead, bob not joining the call; carol offered; dave withdrawn; erin waitlisted), the
clock fixed, the mailer recording, the stores in memory.
"""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from shared.services import preparation, visits
from tests.helpers import COORDINATOR, call, member
from tests.unit import test_reminders
from tests.unit.test_reminders import START, SUBMITTER, email_of, ics_of

world = test_reminders.world  # the reminders world, as a fixture of this module too


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
        if event.detail_type in ("ApplicationWithdrawn", "PrepCallChanged", "VisitScheduleChanged"):
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
    for body in (told.text, told.html):
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
    for body in (email.text, email.html):
        assert "notes" not in body.lower()


def visits_application(world, name: str):
    from shared.services import applications

    return applications.find(world.ids[name])
