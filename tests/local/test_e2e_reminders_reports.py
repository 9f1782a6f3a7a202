"""Timed communications, calendar changes, learning points and reports end to end, over HTTP
against the real local stack, as visitors, hosts and coordinators see them.

Every test makes its own visit (times relative to the stack's shared virtual clock, which only
moves forward) and its own people and organisations (a uuid suffix). A timed communication is
sent by the hourly sweep after it falls due, so "at its time" means: sent at or after its due
time and within the hour after it (plus a little processing time).
"""
from __future__ import annotations

import html as htmlmod
import json
import re
from datetime import datetime, timedelta

from tests.local.test_e2e_intake_allocation import (
    HOUR,
    apply,
    calendars,
    coordinator,
    create_visit,
    iso,
    links_by_action,
    parse,
    tag,
)

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
SLACK = timedelta(minutes=3)  # processing after the sweep's occurrence (real time, the clock runs on)
SECOND = timedelta(seconds=1)  # the outbox's sent_at has whole seconds

CONTRACT_KINDS = {
    "receipt", "offer", "waitlist", "offer_expired", "calendar_update", "prep_call_invite", "prep_call_reminder",
    "background_material", "visit_reminder_7d", "visit_reminder_1d", "host_questions", "learning_points_request",
    "learning_points_reminder", "report_to_host", *(f"follow_up_week_{n}" for n in range(1, 7)), "impact_note",
    "cancellation",
    # added with the programme team's tools (CONTRACT.md "Added in round two")
    "host_update", "substitute_place", "alert", "resend", "links_reissued",
}
# What is timed from the visit's date (so nothing of it is planned while the date is to be confirmed).
DATE_OFFSETS = {
    "visit_reminder_7d": -WEEK, "host_questions": -WEEK, "visit_reminder_1d": -DAY,
    "learning_points_request": DAY, "learning_points_reminder": 6 * DAY, "report_to_host": 14 * DAY,
    **{f"follow_up_week_{n}": n * WEEK for n in range(1, 7)},
}
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


# --- helpers ---------------------------------------------------------------------------------

def start_of_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def ics_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def sent(message: dict) -> datetime:
    return parse(message["sent_at"])


def due_window(messages: list[dict], due: datetime) -> list[dict]:
    """The messages a sweep sends for something due at `due`: at or after it, within the hour."""
    return [m for m in messages if due - SECOND <= sent(m) <= due + HOUR + SLACK]


def seen(stack) -> set[str]:
    """A mark: the ids of every message sent so far."""
    return {m["message_id"] for m in stack.outbox()}


def mail_since(stack, email: str, mark: set[str]) -> list[dict]:
    """The messages to `email` sent after `mark` was taken."""
    return [m for m in stack.outbox(to=email) if m["message_id"] not in mark]


def one_at(stack, email: str, due: datetime) -> dict:
    found = due_window(stack.outbox(to=email), due)
    assert len(found) == 1, (email, iso(due), [(m["sent_at"], m["subject"]) for m in stack.outbox(to=email)])
    return found[0]


def assert_schedule(stack, email: str, mark: set[str], dues: list[datetime]) -> list[dict]:
    """Since `mark`, `email` got exactly one message at each of `dues` and nothing else; those messages."""
    got = mail_since(stack, email, mark)
    listing = [(m["sent_at"], m["subject"]) for m in got]
    picked = []
    for due in dues:
        found = due_window(got, due)
        assert len(found) == 1, (email, f"due {iso(due)}", listing)
        picked.append(found[0])
    assert len(got) == len(dues), (email, [iso(d) for d in dues], listing)
    return picked


def advance_past(stack, moment: datetime) -> None:
    """Move the clock past `moment` and the next hourly occurrence after it, then settle."""
    stack.advance(moment + HOUR + timedelta(minutes=1))
    stack.settle()


def timeline(stack, coord: str, visit_id: str) -> list[dict]:
    reply = stack.call("GET", f"/visits/{visit_id}/timeline", token=coord)
    assert reply.status == 200, reply.raw
    items = reply.body["items"]
    for item in items:
        assert item["kind"] in CONTRACT_KINDS, item
        assert parse(item["due_at"])
    return items


def items_of(items: list[dict], kind: str) -> list[dict]:
    return [i for i in items if i["kind"] == kind]


def recipients(item: dict) -> set[str]:
    return {address.lower() for address in item.get("to") or []}


def visitor(stack, visit_id: str, member: str, key: str, s: str, domain: str, **fields) -> dict:
    """Apply for one person; {"key", "email", "name", "question", "id", "member"}."""
    email, name, question = f"{key}-{s}@{domain}", f"Visitor {key.upper()} {s}", f"What would {key} ask {s}?"
    created = apply(stack, visit_id, member, email, name, questions=[question], **fields)
    return {"key": key, "email": email, "name": name, "question": question, "id": created["application_id"],
            "member": member}


def confirm(stack, person: dict) -> None:
    reply = stack.call("POST", f"/applications/{person['id']}/confirm", token=person["member"])
    assert reply.status == 200, reply.raw
    assert reply.body["status"] == "confirmed"


def ics_of(message: dict, *, starts: datetime | None = None, uid_prefix: str | None = None) -> list[dict]:
    return [c for c in calendars(message)
            if (starts is None or c.get("DTSTART") == ics_time(starts))
            and (uid_prefix is None or c.get("UID", "").startswith(uid_prefix))]


def without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


def points_body(*points: str, **fields) -> dict:
    return {"points": list(points), **fields}


def numbers_named(body: dict, word: str) -> list:
    return [value for key, value in body.items() if word in key.lower() and isinstance(value, int)]


def two_organisations_confirmed(stack, coord: str, s: str, *, close_at: datetime, starts_at: datetime,
                                **fields) -> tuple[dict, list[dict]]:
    """A visit with four confirmed visitors, two from each of two organisations."""
    visit = create_visit(stack, coord, applications_close_at=iso(close_at), starts_at=iso(starts_at), capacity=4,
                         **fields)
    vid = visit["visit_id"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    essex = stack.token(f"lead-{s}@essex.example", organisation=f"Essex Police {s}")
    people = [visitor(stack, vid, kent, "k1", s, "kent.example"), visitor(stack, vid, kent, "k2", s, "kent.example"),
              visitor(stack, vid, essex, "e1", s, "essex.example"), visitor(stack, vid, essex, "e2", s, "essex.example")]
    advance_past(stack, close_at)
    for person in people:
        confirm(stack, person)
    stack.settle()
    return visit, people


# --- reminders: a visit's whole life ---------------------------------------------------------

def test_a_visits_whole_life_sends_each_timed_communication_once_at_its_time(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, call, start = base + DAY, base + 10 * DAY, base + 14 * DAY
    dial_in = f"0800 555 0199 PIN {s[:6]}"
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), capacity=6,
                         prep_call_at=iso(call), prep_call_dial_in=dial_in)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]

    # the timeline: every timed item planned at its time, nothing sent yet; coordinators only
    planned = timeline(stack, coord, vid)
    expected_due = {kind: start + offset for kind, offset in DATE_OFFSETS.items()}
    expected_due |= {"prep_call_reminder": call - DAY, "background_material": call - DAY}
    for kind, due in expected_due.items():
        found = items_of(planned, kind)
        assert len(found) == 1, (kind, planned)
        assert parse(found[0]["due_at"]) == due, (kind, found)
        assert not found[0].get("sent_at"), found
    member = stack.token(f"someone-{s}@kent.example", organisation=f"Kent Police {s}")
    assert stack.call("GET", f"/visits/{vid}/timeline", token=member).status == 403
    assert stack.call("GET", f"/visits/{vid}/timeline").status == 401

    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    essex = stack.token(f"lead-{s}@essex.example", organisation=f"Essex Police {s}")
    a1 = visitor(stack, vid, kent, "a1", s, "kent.example", prep_call="join")
    a2 = visitor(stack, vid, kent, "a2", s, "kent.example", prep_call="cannot_join")
    a3 = visitor(stack, vid, kent, "a3", s, "kent.example", prep_call="join")
    b1 = visitor(stack, vid, essex, "b1", s, "essex.example", prep_call="join")
    b2 = visitor(stack, vid, essex, "b2", s, "essex.example", prep_call="join")
    everyone = [a1, a2, a3, b1, b2]
    advance_past(stack, close)
    allocated = stack.call("GET", f"/visits/{vid}/allocation", token=coord).body["allocated"]
    assert {a["application_id"] for a in allocated} == {p["id"] for p in everyone}

    # confirming sends the preparation call's invitation, with the call's .ics, to those joining it;
    # a2, who cannot join, gets the confirmed visit and no call invitation
    confirmed = seen(stack)
    for person in everyone:
        confirm(stack, person)
    stack.settle()
    [a2_confirmed] = mail_since(stack, a2["email"], confirmed)
    assert a2_confirmed["subject"].startswith("Your place is confirmed") and not ics_of(a2_confirmed, starts=call)
    assert "background material" in a2_confirmed["text"] and dial_in not in a2_confirmed["text"]
    invitations = {}
    for person in (a1, a3, b1, b2):
        found = [m for m in mail_since(stack, person["email"], confirmed) if ics_of(m, starts=call)]
        assert len(found) == 1, (person["key"], [m["subject"] for m in mail_since(stack, person["email"], confirmed)])
        event = ics_of(found[0], starts=call)[0]
        assert event["METHOD"] == "REQUEST" and event["UID"], event
        ics_text = next(a["content"] for a in found[0]["attachments"] if a["filename"].endswith(".ics")
                        and ics_time(call) in a["content"])
        assert dial_in in re.sub(r"\r?\n[ \t]", "", ics_text).replace("\\", "")
        invitations[person["key"]] = found[0]

    # b2 cannot join after all: the call leaves their calendar (CANCEL of the same UID), background material
    # instead; a1 confirms through the invitation's link
    answered = seen(stack)
    reply = stack.call("POST", f"/applications/{b2['id']}/prep-call", {"attending": False}, token=essex)
    assert reply.status == 200, reply.raw
    stack.settle()
    [declined] = mail_since(stack, b2["email"], answered)
    [cancel] = ics_of(declined, starts=call)
    invited = ics_of(invitations["b2"], starts=call)[0]
    assert cancel["METHOD"] == "CANCEL" and cancel["UID"] == invited["UID"], (cancel, invited)
    assert int(cancel["SEQUENCE"]) > int(invited["SEQUENCE"]) and "withdraw" not in declined["text"].lower()
    prep_link = links_by_action(stack, invitations["a1"])["prep_call"]
    reply = stack.call("POST", f"/links/{prep_link}", {"attending": True})
    assert reply.status == 200, reply.raw
    stack.settle()
    timed_from = seen(stack)

    advance_past(stack, start - WEEK)
    advance_past(stack, call - DAY)
    # a3 withdraws: a cancellation of their calendar entries, then nothing more
    withdrawn_at, withdrawn = stack.now(), seen(stack)
    reply = stack.call("POST", f"/applications/{a3['id']}/withdraw", token=kent)
    assert reply.status == 200 and reply.body["status"] == "withdrawn", reply.raw

    # before the visit no learning points; after it, a1 answers the request through its link
    reply = stack.call("POST", f"/applications/{a1['id']}/learning-points", points_body("Too early"), token=kent)
    assert reply.status == 409 and reply.body["message"], reply.raw
    advance_past(stack, start + DAY)
    request = one_at(stack, a1["email"], start + DAY)
    assert "learning points" in request["subject"].lower(), request["subject"]
    point = f"Wellbeing huddles at every shift change {s}"
    reply = stack.call("POST", f"/links/{links_by_action(stack, request)['learning_points']}", points_body(point))
    assert reply.status == 201, reply.raw

    # week 1: b1 stops the follow-up through the nudge's link; a1 reflects through its link
    advance_past(stack, start + WEEK)
    nudge = one_at(stack, b1["email"], start + WEEK)
    stop = links_by_action(stack, nudge)["stop_follow_up"]
    reply = stack.call("POST", f"/links/{stop}")
    assert reply.status == 200, reply.raw
    reflect = links_by_action(stack, one_at(stack, a1["email"], start + WEEK))["reflections"]
    reply = stack.call("POST", f"/links/{reflect}", {"week": 1, "text": "Told my team about the huddles."})
    assert reply.status == 201, reply.raw
    reply = stack.call("POST", f"/applications/{a1['id']}/reflections", {"week": 2, "text": "Too soon."}, token=kent)
    assert reply.status == 409, reply.raw  # week 2's reflection answers week 2's nudge, not yet sent
    for week in range(2, 7):
        advance_past(stack, start + week * WEEK)
        reply = stack.call("POST", f"/applications/{a1['id']}/reflections",
                           {"week": week, "text": f"Week {week}: tried it again."}, token=kent)
        assert reply.status == 201, reply.raw
    for week in (7, 0):
        reply = stack.call("POST", f"/applications/{a1['id']}/reflections", {"week": week, "text": "Too far."},
                           token=kent)
        assert reply.status == 422 and "week" in json.dumps(reply.body), reply.raw

    # past week 6 and the impact note, a week more: nothing further for visitors
    stack.advance(start + 7 * WEEK + DAY)
    stack.settle()

    # --- each visitor's timed mail: once each, at its time, nothing else
    weeks = [start + n * WEEK for n in range(1, 7)]
    before = [start - WEEK, call - DAY, start - DAY, start + DAY]
    got = {
        "a1": assert_schedule(stack, a1["email"], timed_from, [*before, *weeks]),
        "a2": assert_schedule(stack, a2["email"], timed_from, [*before, start + 6 * DAY, *weeks]),
        "b1": assert_schedule(stack, b1["email"], timed_from, [*before, start + 6 * DAY, weeks[0]]),
        "b2": assert_schedule(stack, b2["email"], timed_from, [*before, start + 6 * DAY, *weeks]),
    }
    # a3: the two reminders before withdrawing, the withdrawal's cancellation, nothing after
    a3_mail = mail_since(stack, a3["email"], timed_from)
    a3_listing = [(m["sent_at"], m["subject"]) for m in a3_mail]
    kept = [m for m in a3_mail if m["message_id"] in withdrawn]
    after = [m for m in a3_mail if m["message_id"] not in withdrawn]
    assert len(kept) == 2 and len(after) == 1, a3_listing
    assert len(due_window(kept, start - WEEK)) == 1 and len(due_window(kept, call - DAY)) == 1, a3_listing
    assert sent(after[0]) <= withdrawn_at + SLACK
    assert all(c["METHOD"] == "CANCEL" for c in calendars(after[0])) and calendars(after[0])

    # the call reminder carries the dial-in; those not joining get the material instead
    call_reminders = [got["a1"][1], got["b1"][1], due_window(kept, call - DAY)[0]]
    assert all(dial_in in m["text"] for m in call_reminders), [m["text"] for m in call_reminders]
    material = [got["a2"][1], got["b2"][1]]
    assert {m["subject"] for m in material}.isdisjoint({m["subject"] for m in call_reminders}), material
    # the learning-points request and the reminder to those who have not answered
    for key in ("a1", "a2", "b1", "b2"):
        assert "learning points" in got[key][3]["subject"].lower(), got[key][3]["subject"]
    # six different nudges
    nudges = got["a2"][-6:]
    assert len({(m["subject"], without_links(m["text"])) for m in nudges}) == 6, [m["subject"] for m in nudges]

    # the host: visitors' list and questions a week before; the report 14 days after (not all answered)
    # (and, since a3 withdrew after the list had gone, an update saying so at once)
    host_mail = assert_schedule(stack, host, timed_from, [start - WEEK, withdrawn_at, start + 14 * DAY])
    for person in everyone:
        assert person["name"] in host_mail[0]["text"] and person["question"] in host_mail[0]["text"], person
    assert a3["name"] in host_mail[1]["text"] and "withdrawn" in host_mail[1]["text"]
    assert point in host_mail[2]["text"] + host_mail[2]["html"]

    # the timeline: every planned item sent once at its time, to those it went to
    items = timeline(stack, coord, vid)
    emails = {p["key"]: p["email"].lower() for p in everyone}
    expected_to = {
        "visit_reminder_7d": {emails[k] for k in ("a1", "a2", "a3", "b1", "b2")},
        "host_questions": {host.lower()},
        "prep_call_reminder": {emails[k] for k in ("a1", "a3", "b1")},
        "background_material": {emails[k] for k in ("a2", "b2")},
        "visit_reminder_1d": {emails[k] for k in ("a1", "a2", "b1", "b2")},
        "learning_points_request": {emails[k] for k in ("a1", "a2", "b1", "b2")},
        "learning_points_reminder": {emails[k] for k in ("a2", "b1", "b2")},
        "report_to_host": {host.lower()},
        "follow_up_week_1": {emails[k] for k in ("a1", "a2", "b1", "b2")},
        **{f"follow_up_week_{n}": {emails[k] for k in ("a1", "a2", "b2")} for n in range(2, 7)},
    }
    for kind, to in expected_to.items():
        found = items_of(items, kind)
        assert len(found) == 1, (kind, found)
        due = expected_due[kind]
        assert parse(found[0]["due_at"]) == due, found
        assert found[0].get("sent_at") and due <= parse(found[0]["sent_at"]) <= due + HOUR + SLACK, found
        assert recipients(found[0]) == to, (kind, found)
    for kind in ("receipt", "offer", "prep_call_invite", "cancellation"):
        assert items_of(items, kind) and all(i.get("sent_at") for i in items_of(items, kind)), (kind, items)
    invited = set().union(*(recipients(i) for i in items_of(items, "prep_call_invite")))
    assert {emails[k] for k in emails if k != "a2"} <= invited and emails["a2"] not in invited


def test_moving_the_date_updates_every_calendar_and_the_reminders_follow(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, old_start, new_start = base + DAY, base + 10 * DAY, base + 13 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(old_start), capacity=4)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    people = [visitor(stack, vid, kent, "m1", s, "kent.example"), visitor(stack, vid, kent, "m2", s, "kent.example")]
    advance_past(stack, close)
    held = {}
    for person in people:
        offer = [m for m in stack.outbox(to=person["email"]) if ics_of(m, starts=old_start)]
        assert len(offer) == 1, person
        held[person["key"]] = ics_of(offer[0], starts=old_start)[0]
        confirm(stack, person)
    stack.settle()

    moved = seen(stack)
    reply = stack.call("PATCH", f"/visits/{vid}", {"starts_at": iso(new_start)}, token=coord)
    assert reply.status == 200, reply.raw
    assert parse(reply.body["starts_at"]) == new_start
    stack.settle()
    for person in people:
        updates = mail_since(stack, person["email"], moved)
        assert len(updates) == 1, [m["subject"] for m in updates]
        events = calendars(updates[0])
        assert len(events) == 1, events
        event, before = events[0], held[person["key"]]
        assert event["UID"] == before["UID"] and event["METHOD"] == "REQUEST"
        assert int(event["SEQUENCE"]) > int(before.get("SEQUENCE", "0")), (event, before)
        assert event["DTSTART"] == ics_time(new_start)

    updated = seen(stack)

    # the timeline plans from the new date only
    items = timeline(stack, coord, vid)
    for kind, offset in DATE_OFFSETS.items():
        found = items_of(items, kind)
        assert [parse(i["due_at"]) for i in found] == [new_start + offset], (kind, found)

    # the old date's times pass with nothing sent; the new ones bring each reminder once
    stack.advance(new_start + DAY + HOUR + timedelta(minutes=1))
    stack.settle()
    dues = [new_start - WEEK, new_start - DAY, new_start + DAY]
    for person in people:
        assert_schedule(stack, person["email"], updated, dues)
    assert_schedule(stack, host, moved, [new_start - WEEK])


def test_a_visit_to_be_confirmed_plans_nothing_from_its_date_until_it_is_set(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close = base + DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=None, capacity=4)
    vid = visit["visit_id"]
    assert visit["starts_at"] is None
    assert not [i for i in timeline(stack, coord, vid) if i["kind"] in DATE_OFFSETS]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    people = [visitor(stack, vid, kent, "t1", s, "kent.example"), visitor(stack, vid, kent, "t2", s, "kent.example")]
    advance_past(stack, close)
    for person in people:
        offers = [m for m in stack.outbox(to=person["email"]) if "confirm" in links_by_action(stack, m)]
        assert len(offers) == 1 and calendars(offers[0]) == [], offers  # no date, no event yet
        confirm(stack, person)
    stack.settle()
    assert not [i for i in timeline(stack, coord, vid) if i["kind"] in DATE_OFFSETS]

    set_at, before_set = stack.now(), seen(stack)
    start = start_of_minute(set_at) + 9 * DAY
    reply = stack.call("PATCH", f"/visits/{vid}", {"starts_at": iso(start)}, token=coord)
    assert reply.status == 200, reply.raw
    stack.settle()
    items = timeline(stack, coord, vid)
    for kind, offset in DATE_OFFSETS.items():
        found = items_of(items, kind)
        assert [parse(i["due_at"]) for i in found] == [start + offset], (kind, found)
        assert not found[0].get("sent_at")
    for person in people:  # the date set: each holder gets the visit's calendar event
        got = mail_since(stack, person["email"], before_set)
        assert len(got) == 1, [m["subject"] for m in got]
        events = ics_of(got[0], starts=start)
        assert len(events) == 1 and events[0]["METHOD"] == "REQUEST", calendars(got[0])

    after_set = seen(stack)
    advance_past(stack, start - WEEK)
    for person in people:
        assert_schedule(stack, person["email"], after_set, [start - WEEK])
    reminder = items_of(timeline(stack, coord, vid), "visit_reminder_7d")
    assert len(reminder) == 1 and reminder[0].get("sent_at"), reminder
    assert recipients(reminder[0]) == {p["email"].lower() for p in people}


def test_cancelling_a_visit_cancels_every_holders_events_and_sends_nothing_further(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, call, start = base + DAY, base + 4 * DAY, base + 6 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), prep_call_at=iso(call),
                         prep_call_dial_in="0800 000 1111", capacity=2, min_per_organisation=2, max_per_organisation=2)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    c1, c2, c3 = (visitor(stack, vid, kent, key, s, "kent.example") for key in ("c1", "c2", "c3"))
    advance_past(stack, close)
    statuses = {p["key"]: stack.call("GET", f"/applications/{p['id']}", token=coord).body["status"]
                for p in (c1, c2, c3)}
    assert statuses == {"c1": "offered", "c2": "offered", "c3": "waitlisted"}, statuses
    confirm(stack, c1)  # c1 confirmed (visit + call events), c2 only offered (visit event)
    stack.settle()
    uids = {"c1": {c["UID"] for m in stack.outbox(to=c1["email"]) for c in calendars(m)},
            "c2": {c["UID"] for m in stack.outbox(to=c2["email"]) for c in calendars(m)}}
    assert len(uids["c1"]) == 2 and len(uids["c2"]) == 1, uids

    cancelled = seen(stack)
    assert stack.call("POST", f"/visits/{vid}/cancel", token=kent).status == 403
    reply = stack.call("POST", f"/visits/{vid}/cancel", token=coord)
    assert reply.status == 200, reply.raw
    stack.settle()
    for person in (c1, c2):
        got = mail_since(stack, person["email"], cancelled)
        assert len(got) == 1, [m["subject"] for m in got]
        events = calendars(got[0])
        assert {e["UID"] for e in events} == uids[person["key"]], events
        assert all(e["METHOD"] == "CANCEL" and e.get("STATUS") == "CANCELLED" for e in events), events

    # every timed item's time passes (call reminder, visit reminders, learning points, a nudge)
    stack.advance(start + WEEK + HOUR + timedelta(minutes=1))
    stack.settle()
    assert len(mail_since(stack, c1["email"], cancelled)) == 1
    assert len(mail_since(stack, c2["email"], cancelled)) == 1
    assert mail_since(stack, c3["email"], cancelled) == []
    # the host and the member who applied are told once (the host was never sent the visitors' list: no .ics)
    [to_host] = mail_since(stack, host, cancelled)
    assert "cancelled" in to_host["subject"].lower() and to_host["attachments"] == []
    lead = f"lead-{s}@kent.example"
    [to_lead] = mail_since(stack, lead, cancelled)
    assert all(p["name"] in to_lead["text"] for p in (c1, c2, c3)), to_lead["text"]
    items = timeline(stack, coord, vid)
    assert all(i.get("sent_at") for i in items), [i for i in items if not i.get("sent_at")]  # nothing planned
    cancellations = items_of(items, "cancellation")
    assert set().union(*(recipients(i) for i in cancellations)) == {c1["email"].lower(), c2["email"].lower(),
                                                                     host.lower(), lead}


# --- reports ---------------------------------------------------------------------------------

def test_report_assembled_at_once_when_everyone_answered_escaped_and_without_private_points(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    start = base + 3 * DAY
    visit, (k1, k2, e1, e2) = two_organisations_confirmed(stack, coord, s, close_at=base + DAY, starts_at=start)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]

    # before the visit: no learning points, no report, no summary
    reply = stack.call("POST", f"/applications/{k1['id']}/learning-points", points_body("Too early"),
                       token=k1["member"])
    assert reply.status == 409 and reply.body["message"], reply.raw
    assert stack.call("GET", f"/visits/{vid}/report", token=coord).status == 404
    assert stack.call("GET", f"/reports/{vid}").status == 404

    advance_past(stack, start)
    huddles, private, third, fourth = (f"Huddles before every shift {s}", f"Private remark about my force {s}",
                                       f"Wellbeing champions on each team {s}", f"Peer support after incidents {s}")
    submissions = [
        (k1, stack.token(k1["email"]), points_body(SCRIPT, huddles, will_adopt=f"Adopt the huddles {s}")),
        (k2, k2["member"], points_body(private, public=False)),
        (e1, e1["member"], points_body(third)),
    ]
    for person, token, body in submissions:
        reply = stack.call("POST", f"/applications/{person['id']}/learning-points", body, token=token)
        assert reply.status == 201, reply.raw
    stack.settle()
    assert stack.call("GET", f"/visits/{vid}/report", token=coord).status == 404  # e2 has not answered
    assert stack.call("GET", f"/reports/{vid}").status == 404
    answered_at, answered = stack.now(), seen(stack)
    reply = stack.call("POST", f"/applications/{e2['id']}/learning-points", points_body(fourth), token=e2["member"])
    assert reply.status == 201, reply.raw
    stack.settle()

    # the host's email: at once (not 14 days later), every point, markup shown as text
    reports = [m for m in mail_since(stack, host, answered) if huddles in m["text"]]
    assert len(reports) == 1, [m["subject"] for m in stack.outbox(to=host)]
    report = reports[0]
    assert sent(report) <= answered_at + SLACK
    for text in (SCRIPT, huddles, private, third, fourth):
        assert text in report["text"], text
        assert htmlmod.escape(text, quote=False) in report["html"], text
    assert SCRIPT not in report["html"] and ESCAPED_SCRIPT in report["html"]
    for attachment in report["attachments"]:
        assert SCRIPT not in attachment["content"], attachment["filename"]

    # the coordinators' report: everything, attributed
    assert stack.call("GET", f"/visits/{vid}/report", token=k1["member"]).status == 403
    assert stack.call("GET", f"/visits/{vid}/report").status == 401
    full = stack.call("GET", f"/visits/{vid}/report", token=coord)
    assert full.status == 200, full.raw
    raw = full.raw.decode()
    for person in (k1, k2, e1, e2):
        assert person["name"] in raw, person
    for text in (huddles, private, third, fourth):
        assert text in raw, text

    # the public summary: anyone, counts, the public points as text, no names, no emails
    summary = stack.call("GET", f"/reports/{vid}")
    assert summary.status == 200, summary.raw
    raw = summary.raw.decode()
    strings = json.dumps(summary.body)
    for text in (SCRIPT, huddles, third, fourth):
        assert json.dumps(text) in strings, text
    assert private not in raw
    assert not EMAIL.search(raw)
    for person in (k1, k2, e1, e2):
        assert person["name"] not in raw and person["email"].split("@")[0] not in raw, person
    assert visit["host"]["contact_name"] not in raw
    assert 4 in numbers_named(summary.body, "visitor") and 2 in numbers_named(summary.body, "organisation"), \
        summary.body
    page = stack.call("GET", f"/reports/{vid}", headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html"), page.raw[:200]
    text = page.raw.decode()
    assert ESCAPED_SCRIPT in text and SCRIPT not in text
    assert huddles in text and private not in text and not EMAIL.search(text)

    # once assembled, learning points are closed
    reply = stack.call("POST", f"/applications/{k1['id']}/learning-points", points_body("Afterthought"),
                       token=k1["member"])
    assert reply.status == 409 and reply.body["message"], reply.raw


def test_report_reaches_the_host_fourteen_days_after_the_visit_when_not_everyone_answered(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    start = base + 3 * DAY
    visit, (k1, _, e1, _) = two_organisations_confirmed(stack, coord, s, close_at=base + DAY, starts_at=start)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]
    advance_past(stack, start)
    point = f"Resilience training for new starters {s}"
    reply = stack.call("POST", f"/applications/{e1['id']}/learning-points", points_body(point), token=e1["member"])
    assert reply.status == 201, reply.raw
    stack.settle()

    def reports_to_host() -> list[dict]:
        return [m for m in stack.outbox(to=host) if point in m["text"]]

    stack.advance(start + 14 * DAY - timedelta(minutes=5))
    stack.settle()
    assert reports_to_host() == []
    assert stack.call("GET", f"/visits/{vid}/report", token=coord).status == 404
    assert stack.call("GET", f"/reports/{vid}").status == 404

    advance_past(stack, start + 14 * DAY)
    found = reports_to_host()
    assert len(found) == 1 and due_window(found, start + 14 * DAY) == found, [m["sent_at"] for m in found]
    full = stack.call("GET", f"/visits/{vid}/report", token=coord)
    assert full.status == 200 and point in full.raw.decode() and e1["name"] in full.raw.decode(), full.raw
    summary = stack.call("GET", f"/reports/{vid}")
    assert summary.status == 200 and point in summary.raw.decode(), summary.raw
    assert e1["name"] not in summary.raw.decode() and not EMAIL.search(summary.raw.decode())
    reply = stack.call("POST", f"/applications/{k1['id']}/learning-points", points_body("Late"), token=k1["member"])
    assert reply.status == 409, reply.raw
