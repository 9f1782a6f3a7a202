"""The programme team's tools for a real year, over HTTP against the real local stack: the host in
the loop, attendance, substitution and cancellation with a reason (and their 404/409/422s).

Every test makes its own visit (times relative to the stack's shared virtual clock) and its own
people and organisations (a uuid suffix), so tests never see each other's data.
"""
from __future__ import annotations

from datetime import timedelta

from tests.local.test_e2e_intake_allocation import coordinator, create_visit, iso, links_by_action, tag
from tests.local.test_e2e_reminders_reports import (
    DAY,
    WEEK,
    advance_past,
    calendars,
    confirm,
    items_of,
    mail_since,
    recipients,
    seen,
    start_of_minute,
    timeline,
    visitor,
)


def host_events(message: dict) -> list[dict]:
    return [c for c in calendars(message) if c.get("UID", "").startswith("host-")]


def status_of(stack, coord: str, application_id: str) -> str:
    reply = stack.call("GET", f"/applications/{application_id}", token=coord)
    assert reply.status == 200, reply.raw
    return reply.body["status"]


def test_the_host_gets_the_list_with_shared_needs_its_event_and_every_change_after_it(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, start = base + DAY, base + 10 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), capacity=4)
    vid, host = visit["visit_id"], visit["host"]["contact_email"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    essex = stack.token(f"lead-{s}@essex.example", organisation=f"Essex Police {s}")
    k1 = visitor(stack, vid, kent, "k1", s, "kent.example", accessibility_needs=f"Step-free access {s}",
                 share_accessibility_needs=True)
    k2 = visitor(stack, vid, kent, "k2", s, "kent.example", accessibility_needs=f"Private need {s}")
    e1 = visitor(stack, vid, essex, "e1", s, "essex.example")
    e2 = visitor(stack, vid, essex, "e2", s, "essex.example")
    assert stack.call("GET", f"/applications/{k1['id']}", token=coord).body["share_accessibility_needs"] is True
    assert stack.call("GET", f"/applications/{k2['id']}", token=coord).body["share_accessibility_needs"] is False
    advance_past(stack, close)
    for person in (k1, k2, e1, e2):
        confirm(stack, person)
    stack.settle()
    assert stack.outbox(to=host) == []  # nothing before the list

    # the visitors' list, a week before: shared needs only, and the host's own calendar event
    advance_past(stack, start - WEEK)
    [listing] = stack.outbox(to=host)
    assert f"Step-free access {s}" in listing["text"] and f"Step-free access {s}" in listing["html"]
    assert f"Private need {s}" not in listing["text"] + listing["html"]
    [event] = host_events(listing)
    assert event["METHOD"] == "REQUEST" and event.get("RSVP") != "TRUE" and event["SEQUENCE"] == "1"
    assert host.lower() in event.get("ATTENDEE", "").lower()

    # a withdrawal after the list: the host is told who and who is now expected
    mark = seen(stack)
    assert stack.call("POST", f"/applications/{k2['id']}/withdraw", token=coord).status == 200
    stack.settle()
    [update] = mail_since(stack, host, mark)
    assert k2["name"] in update["text"] and "withdrawn" in update["text"]
    assert e1["name"] in update["text"] and update["attachments"] == []

    # substitution: errors first, nothing stored by them
    colleague = {"name": f"Visitor E3 {s}", "email": f"e3-{s}@essex.example", "role": "staff",
                 "job_title": "Analyst", "accessibility_needs": f"Large print {s}", "share_accessibility_needs": True}
    other = stack.token(f"other-{s}@essex.example", organisation=f"Essex Police {s}")
    assert stack.call("POST", "/applications/nope/substitute", colleague, token=coord).status == 404
    assert stack.call("POST", f"/applications/{e1['id']}/substitute", colleague, token=other).status == 403
    assert stack.call("POST", f"/applications/{e1['id']}/substitute", colleague).status == 401
    reply = stack.call("POST", f"/applications/{e1['id']}/substitute", {"name": "X"}, token=essex)
    assert reply.status == 422 and {"email", "role", "job_title"} <= set(reply.body["fields"]), reply.raw
    reply = stack.call("POST", f"/applications/{k2['id']}/substitute", colleague, token=kent)
    assert reply.status == 409 and reply.body["message"], reply.raw  # withdrawn: holds no place
    reply = stack.call("POST", f"/applications/{e1['id']}/substitute", {**colleague, "email": e2["email"]},
                       token=essex)
    assert reply.status == 409 and "already applied" in reply.body["message"], reply.raw
    assert status_of(stack, coord, e1["id"]) == "confirmed"

    mark = seen(stack)
    reply = stack.call("POST", f"/applications/{e1['id']}/substitute", colleague, token=essex)
    assert reply.status == 201, reply.raw
    e3 = reply.body
    assert e3["status"] == "confirmed" and e3["organisation"] == f"Essex Police {s}"
    assert e3["questions"] == [e1["question"]] and e3["substitute_for"] == e1["id"]
    assert status_of(stack, coord, e1["id"]) == "substituted"
    stack.settle()
    # the old holder: METHOD:CANCEL of the visit's event
    [gone] = mail_since(stack, e1["email"], mark)
    assert colleague["name"] in gone["subject"]
    assert [c["METHOD"] for c in calendars(gone)] == ["CANCEL"]
    # the new holder: the confirmed place with the visit's event (then the call invitation, if any)
    got = mail_since(stack, colleague["email"], mark)
    place = [m for m in got if "passed on by" in m["subject"]]
    assert len(place) == 1, [m["subject"] for m in got]
    [ics] = [c for c in calendars(place[0]) if c["UID"].startswith("visit-")]
    assert ics["METHOD"] == "REQUEST" and ics.get("STATUS") != "TENTATIVE"
    # the host: who left, who comes instead, with needs shared by consent
    [update] = mail_since(stack, host, mark)
    assert e1["name"] in update["text"] and colleague["name"] in update["text"]
    assert f"Large print {s}" in update["text"]
    # the member who asked hears nothing new; nobody else either
    assert mail_since(stack, f"lead-{s}@kent.example", mark) == []
    assert {tuple(m["to"]) for m in stack.outbox() if m["message_id"] not in mark} == \
        {(e1["email"],), (colleague["email"],), (host,)}

    # a date change: the host's event moves (same UID, higher SEQUENCE)
    mark = seen(stack)
    reply = stack.call("PATCH", f"/visits/{vid}", {"starts_at": iso(start + DAY)}, token=coord)
    assert reply.status == 200, reply.raw
    stack.settle()
    [moved] = mail_since(stack, host, mark)
    [event2] = host_events(moved)
    assert event2["UID"] == event["UID"] and int(event2["SEQUENCE"]) > int(event["SEQUENCE"])

    # cancellation with a reason: holders, the host (its event cancelled) and the members
    mark = seen(stack)
    reason = f"The venue is closed for repairs {s}"
    assert stack.call("POST", f"/visits/{vid}/cancel", {"reason": "  "}, token=coord).status == 422
    assert stack.call("POST", f"/visits/{vid}/cancel", {"why": "x"}, token=coord).status == 422
    assert stack.call("POST", "/visits/nope/cancel", {"reason": reason}, token=coord).status == 404
    reply = stack.call("POST", f"/visits/{vid}/cancel", {"reason": reason}, token=coord)
    assert reply.status == 200 and reply.body["cancellation_reason"] == reason, reply.raw
    stack.settle()
    for person in (k1["email"], e2["email"], colleague["email"], host):
        [told] = mail_since(stack, person, mark)
        assert reason in told["text"] and reason in told["html"], person
        assert [c["METHOD"] for c in calendars(told)][:1] == ["CANCEL"], person
    for lead in (f"lead-{s}@kent.example", f"lead-{s}@essex.example"):
        [told] = mail_since(stack, lead, mark)
        assert reason in told["text"] and told["attachments"] == []
    for nobody in (k2["email"], e1["email"]):
        assert mail_since(stack, nobody, mark) == []
    items = timeline(stack, coord, vid)
    assert host.lower() in set().union(*(recipients(i) for i in items_of(items, "host_update")))


def test_absent_visitors_get_no_learning_points_request_nor_follow_up_and_are_not_counted(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, start = base + DAY, base + 3 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), capacity=4)
    vid = visit["visit_id"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    k1, k2, k3 = (visitor(stack, vid, kent, key, s, "kent.example") for key in ("k1", "k2", "k3"))
    advance_past(stack, close)
    confirm(stack, k1)
    confirm(stack, k2)  # k3 stays offered
    stack.settle()

    assert stack.call("POST", "/visits/nope/attendance", {"absent": [k2["id"]]}, token=coord).status == 404
    assert stack.call("POST", f"/visits/{vid}/attendance", {"absent": [k2["id"]]}, token=kent).status == 403
    reply = stack.call("POST", f"/visits/{vid}/attendance", {"absent": [k2["id"]]}, token=coord)
    assert reply.status == 409 and "start" in reply.body["message"], reply.raw

    stack.advance(start + timedelta(hours=7))
    stack.settle()
    for body, field in (({"absent": ["unknown"]}, "absent"), ({"attended": [k3["id"]]}, "attended"),
                        ({"attended": [k1["id"]], "absent": [k1["id"]]}, "absent"), ({}, "attended"),
                        ({"absent": k2["id"]}, "absent"), ({"present": [k1["id"]]}, "present")):
        reply = stack.call("POST", f"/visits/{vid}/attendance", body, token=coord)
        assert reply.status == 422 and field in reply.body["fields"], (body, reply.raw)
    reply = stack.call("POST", f"/visits/{vid}/attendance", {"attended": [k1["id"]], "absent": [k2["id"]]},
                       token=coord)
    assert reply.status == 200, reply.raw
    assert reply.body == {"visit_id": vid, "attended": [k1["id"]], "absent": [k2["id"]], "not_recorded": []}
    assert stack.call("GET", f"/applications/{k2['id']}", token=coord).body["attended"] is False

    mark = seen(stack)
    advance_past(stack, start + 2 * WEEK)
    assert mail_since(stack, k2["email"], mark) == []  # no request, reminder, nudge
    got = [m["subject"] for m in mail_since(stack, k1["email"], mark)]
    assert any("learning points" in subject.lower() for subject in got), got
    items = timeline(stack, coord, vid)
    for kind in ("learning_points_request", "follow_up_week_1"):
        assert all(k2["email"].lower() not in recipients(i) for i in items_of(items, kind)), kind
    summary = stack.call("GET", f"/visits/{vid}/report", token=coord)
    if summary.status == 200:
        assert all(v.get("application_id") != k2["id"] for v in summary.body["visitors"]), summary.body


# --- background material -----------------------------------------------------------------------

PDF = b"%PDF-1.4\n% a small agenda\n"
TEAM = "visits-team@peer-learning.example"  # the local stack's PROGRAMME_TEAM_EMAIL


def put_file(stack, token, visit_id: str, filename: str, content: bytes, content_type: str | None):
    return stack.call("PUT", f"/visits/{visit_id}/material/{filename}", token=token, raw=content,
                      headers={"Content-Type": content_type} if content_type else None)


def test_material_is_checked_and_reaches_only_those_not_joining_the_call_attached(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, call, start = base + DAY, base + 4 * DAY, base + 6 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), prep_call_at=iso(call),
                         prep_call_dial_in="0800 000 2222", capacity=2)
    vid = visit["visit_id"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    joins = visitor(stack, vid, kent, "k1", s, "kent.example", prep_call="join")
    away = visitor(stack, vid, kent, "k2", s, "kent.example", prep_call="cannot_join")

    # refused, with a clear message, and nothing stored
    checks = [
        ("nope", "agenda.pdf", PDF, "application/pdf", coord, 404),
        (vid, "agenda.pdf", PDF, "application/pdf", kent, 403),
        (vid, "agenda.pdf", PDF, "application/pdf", None, 401),
        (vid, "tool.exe", b"MZ\x90\x00", "application/octet-stream", coord, 415),
        (vid, "agenda.pdf", b"<html>not a pdf</html>", "application/pdf", coord, 415),
        (vid, "agenda.pdf", PDF, "image/png", coord, 415),
        (vid, "notes.txt", b"\xff\xfe\x00bad", "text/plain", coord, 415),
        (vid, "bad%20name%21.pdf", PDF, "application/pdf", coord, 422),
        (vid, "empty.pdf", b"", "application/pdf", coord, 422),
        (vid, "huge.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf", coord, 413),
    ]
    for visit_id, filename, content, content_type, token, status in checks:
        reply = put_file(stack, token, visit_id, filename, content, content_type)
        assert reply.status == status and reply.body["message"], (filename, status, reply.raw[:300])
    reply = put_file(stack, coord, vid, "tool.exe", b"MZ", "application/octet-stream")
    assert "PDF" in reply.body["message"]  # says what is accepted

    reply = put_file(stack, coord, vid, "agenda.pdf", PDF, "application/pdf")
    assert reply.status == 201 and reply.body["size"] == len(PDF) and reply.body["filename"] == "agenda.pdf", reply.raw
    notes = f"Read the force's 2016 plan first {s}".encode()
    assert put_file(stack, coord, vid, "notes.txt", notes, "text/plain; charset=utf-8").status == 201
    doc = stack.call("GET", "/openapi.json").body
    assert "application/pdf" in doc["paths"]["/visits/{visit_id}/material/{filename}"]["put"]["requestBody"]["content"]

    advance_past(stack, close)
    confirm(stack, joins)
    confirm(stack, away)
    stack.settle()
    mark = seen(stack)
    advance_past(stack, call - DAY)
    [material] = mail_since(stack, away["email"], mark)
    assert {(a["filename"], a["content_type"].split(";")[0]) for a in material["attachments"]} == \
        {("agenda.pdf", "application/pdf"), ("notes.txt", "text/plain")}
    assert notes.decode() in material["text"] and "https://" not in material["text"].split("Attached")[0]
    assert "X-Amz" not in material["text"] + material["html"]  # no presigned link that would expire
    assert all("agenda.pdf" not in [a["filename"] for a in m["attachments"]]
               for m in mail_since(stack, joins["email"], mark))

    # a file added after the material went: sent at once, on its own; the same file again: nothing
    mark = seen(stack)
    assert put_file(stack, coord, vid, "late.pdf", PDF + b"late", "application/octet-stream").status == 201
    stack.settle()
    [late] = mail_since(stack, away["email"], mark)
    assert [a["filename"] for a in late["attachments"]] == ["late.pdf"] and "late.pdf" in late["text"]
    assert put_file(stack, coord, vid, "late.pdf", PDF + b"late", "application/pdf").status == 201
    stack.settle()
    assert len(mail_since(stack, away["email"], mark)) == 1
    assert mail_since(stack, joins["email"], mark) == []

    stack.advance(start + timedelta(minutes=5))
    reply = put_file(stack, coord, vid, "after.pdf", PDF, "application/pdf")
    assert reply.status == 409 and reply.body["message"], reply.raw


# --- alerts to the programme team ----------------------------------------------------------------

def alerts_about(stack, title: str, mark: set[str]) -> list[dict]:
    return [m for m in mail_since(stack, TEAM, mark) if title in m["subject"] + m["text"]]


def test_the_programme_team_is_alerted_when_a_visit_needs_attention(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, start = base + DAY, base + 4 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), capacity=6)
    vid, title, host = visit["visit_id"], visit["title"], visit["host"]["contact_email"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    essex = stack.token(f"lead-{s}@essex.example", organisation=f"Essex Police {s}")
    k1, k2, k3 = (visitor(stack, vid, kent, key, s, "kent.example") for key in ("k1", "k2", "k3"))
    visitor(stack, vid, essex, "e1", s, "essex.example")  # alone: cannot make up an organisation's minimum
    mark = seen(stack)

    # closing offers 3 of 6 places: exactly half, no alert; then k3 withdraws and k1's offer lapses
    advance_past(stack, close)
    assert alerts_about(stack, title, mark) == []
    confirm(stack, k2)
    assert stack.call("POST", f"/applications/{k3['id']}/withdraw", token=kent).status == 200
    stack.settle()
    assert alerts_about(stack, title, mark) == []  # kent still holds 2
    advance_past(stack, start - 2 * DAY)  # k1's offer lapses: kent holds 1, below its minimum of 2
    lapsed = alerts_about(stack, title, mark)
    assert len(lapsed) == 1 and "lapsed" in lapsed[0]["subject"] and k1["name"] in lapsed[0]["text"], \
        [m["subject"] for m in lapsed]
    assert stack.call("POST", f"/applications/{k2['id']}/withdraw", token=kent).status == 200
    stack.settle()
    assert len(alerts_about(stack, title, mark)) == 1  # kent now holds none: not "below", simply gone

    # a visit whose allocation offers fewer than half its places
    other = create_visit(stack, coord, applications_close_at=iso(stack.now() + DAY),
                         starts_at=iso(stack.now() + 10 * DAY), capacity=8)
    o1 = visitor(stack, other["visit_id"], kent, "o1", s, "kent.example")
    visitor(stack, other["visit_id"], kent, "o2", s, "kent.example")
    mark = seen(stack)
    advance_past(stack, stack.now() + DAY)
    [under] = alerts_about(stack, other["title"], mark)
    assert "2 of 8" in under["subject"], under["subject"]
    # a withdrawal leaving kent with one place on it: alerted
    confirm(stack, o1)
    assert stack.call("POST", f"/applications/{o1['id']}/withdraw", token=kent).status == 200
    stack.settle()
    below = [m for m in alerts_about(stack, other["title"], mark) if "minimum" in m["subject"]]
    assert len(below) == 1 and o1["name"] in below[0]["text"], [m["subject"] for m in below]

    # no learning points at all: the team is alerted and the host gets no empty report
    third = create_visit(stack, coord, applications_close_at=iso(stack.now() + DAY),
                         starts_at=iso(stack.now() + 3 * DAY), capacity=2)
    t1, t2 = (visitor(stack, third["visit_id"], kent, key, s, "kent.example") for key in ("t1", "t2"))
    advance_past(stack, stack.now() + DAY)
    confirm(stack, t1)
    confirm(stack, t2)
    mark = seen(stack)
    advance_past(stack, parse_iso(third["starts_at"]) + 14 * DAY)
    [empty] = alerts_about(stack, third["title"], mark)
    assert "no learning points" in empty["subject"].lower()
    assert [m for m in mail_since(stack, third["host"]["contact_email"], mark) if "learn" in m["subject"].lower()] == []
    items = timeline(stack, coord, third["visit_id"])
    assert TEAM in set().union(*(recipients(i) for i in items_of(items, "alert")))
    assert host  # the first visit's host is untouched by the others


def parse_iso(text: str):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- resend and reissue ------------------------------------------------------------------------------

def test_coordinators_resend_an_email_with_fresh_links_and_reissue_a_visitors_links(real_stack):
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, start = base + DAY, base + 10 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), capacity=2)
    vid = visit["visit_id"]
    kent = stack.token(f"lead-{s}@kent.example", organisation=f"Kent Police {s}")
    k1 = visitor(stack, vid, kent, "k1", s, "kent.example")
    visitor(stack, vid, kent, "k2", s, "kent.example")
    advance_past(stack, close)
    # the offer sent (its reminder, two days before it lapses, is also an `offer` item, still planned)
    [offer] = [i for i in items_of(timeline(stack, coord, vid), "offer")
               if k1["email"].lower() in recipients(i) and i["status"] == "sent"]
    [original] = [m for m in stack.outbox(to=k1["email"]) if "confirm" in links_by_action(stack, m)]
    old_links = links_by_action(stack, original)

    body = {"kind": "offer", "occasion": offer["occasion"], "to": k1["email"]}
    assert stack.call("POST", "/visits/nope/timeline/resend", body, token=coord).status == 404
    assert stack.call("POST", f"/visits/{vid}/timeline/resend", body, token=kent).status == 403
    reply = stack.call("POST", f"/visits/{vid}/timeline/resend", {**body, "to": f"someone-{s}@kent.example"},
                       token=coord)
    assert reply.status == 404 and reply.body["message"], reply.raw
    reply = stack.call("POST", f"/visits/{vid}/timeline/resend", {"kind": "offer", "to": "not an email"}, token=coord)
    assert reply.status == 422 and {"occasion", "to"} <= set(reply.body["fields"]), reply.raw

    mark = seen(stack)
    reply = stack.call("POST", f"/visits/{vid}/timeline/resend", body, token=coord)
    assert reply.status == 200 and reply.body["fresh_links"] == 2, reply.raw
    stack.settle()
    [again] = mail_since(stack, k1["email"], mark)
    assert again["subject"] == original["subject"]
    assert [c["UID"] for c in calendars(again)] == [c["UID"] for c in calendars(original)]
    fresh = links_by_action(stack, again)
    assert set(fresh) == {"confirm", "withdraw"} and set(fresh.values()).isdisjoint(old_links.values())
    assert [i for i in items_of(timeline(stack, coord, vid), "resend") if k1["email"].lower() in recipients(i)]

    mark = seen(stack)
    assert stack.call("POST", "/applications/nope/links/reissue", token=coord).status == 404
    assert stack.call("POST", f"/applications/{k1['id']}/links/reissue", token=kent).status == 403
    reply = stack.call("POST", f"/applications/{k1['id']}/links/reissue", token=coord)
    assert reply.status == 200 and reply.body["actions"] == ["confirm", "withdraw"], reply.raw
    stack.settle()
    [reissued] = mail_since(stack, k1["email"], mark)
    assert set(links_by_action(stack, reissued)) == {"confirm", "withdraw"}
    reply = stack.call("POST", f"/links/{links_by_action(stack, reissued)['confirm']}")
    assert reply.status == 200 and reply.body["status"] == "confirmed", reply.raw
    assert items_of(timeline(stack, coord, vid), "links_reissued")
    assert stack.call("POST", f"/applications/{k1['id']}/withdraw", token=kent).status == 200
    reply = stack.call("POST", f"/applications/{k1['id']}/links/reissue", token=coord)
    assert reply.status == 409 and reply.body["message"], reply.raw


# --- a visit played through -----------------------------------------------------------------------

def sent_kinds(items: list[dict]) -> dict[str, list[str]]:
    """recipient -> the kinds of every email sent to them (from the timeline), sorted."""
    kinds: dict[str, list[str]] = {}
    for item in items:
        if item.get("sent_at"):
            for to in recipients(item):
                kinds.setdefault(to, []).append(item["kind"])
    return {to: sorted(found) for to, found in kinds.items()}


def test_a_visit_played_through_with_a_no_show_a_substitution_a_late_withdrawal_and_material(real_stack):
    """The right emails to the right people (hosts included), and nothing to anyone else."""
    stack, s = real_stack, tag()
    coord = coordinator(stack)
    base = start_of_minute(stack.now())
    close, call, start = base + DAY, base + 5 * DAY, base + 12 * DAY
    visit = create_visit(stack, coord, applications_close_at=iso(close), starts_at=iso(start), prep_call_at=iso(call),
                         prep_call_dial_in=f"0800 111 {s[:4]}", capacity=4)
    vid, title, host = visit["visit_id"], visit["title"], visit["host"]["contact_email"].lower()
    kent_lead, essex_lead = f"lead-{s}@kent.example", f"lead-{s}@essex.example"
    kent = stack.token(kent_lead, organisation=f"Kent Police {s}")
    essex = stack.token(essex_lead, organisation=f"Essex Police {s}")
    start_mark = seen(stack)  # before anyone applies: receipts may go out at once
    late = visitor(stack, vid, kent, "k1", s, "kent.example")                              # withdraws late
    noshow = visitor(stack, vid, kent, "k2", s, "kent.example", prep_call="cannot_join")   # gets the material
    stays = visitor(stack, vid, essex, "e1", s, "essex.example", accessibility_needs=f"Hearing loop {s}",
                    share_accessibility_needs=True)
    swapped = visitor(stack, vid, essex, "e2", s, "essex.example")                         # hands over the place
    assert put_file(stack, coord, vid, "agenda.pdf", PDF, "application/pdf").status == 201

    advance_past(stack, close)
    for person in (late, noshow, stays, swapped):
        confirm(stack, person)
    stack.settle()
    advance_past(stack, start - WEEK)  # the call's reminder and material, then the visitors' list

    colleague = {"name": f"Visitor E3 {s}", "email": f"e3-{s}@essex.example", "role": "academic",
                 "job_title": "Lecturer"}
    reply = stack.call("POST", f"/applications/{swapped['id']}/substitute", colleague, token=essex)
    assert reply.status == 201, reply.raw
    substitute = {**colleague, "id": reply.body["application_id"], "member": essex}
    stack.settle()
    advance_past(stack, start - 2 * DAY)
    assert stack.call("POST", f"/applications/{late['id']}/withdraw", token=kent).status == 200
    stack.settle()

    advance_past(stack, start + timedelta(hours=6))
    reply = stack.call("POST", f"/visits/{vid}/attendance",
                       {"attended": [stays["id"], substitute["id"]], "absent": [noshow["id"]]}, token=coord)
    assert reply.status == 200, reply.raw
    advance_past(stack, start + DAY)
    request = [m for m in stack.outbox(to=stays["email"]) if "learning points" in m["subject"].lower()][-1]
    reply = stack.call("POST", f"/links/{links_by_action(stack, request)['learning_points']}",
                       {"points": [f"Joint triage desks {s}"]})
    assert reply.status == 201, reply.raw
    advance_past(stack, start + 14 * DAY)

    kinds = sent_kinds(timeline(stack, coord, vid))
    e = {p["key"]: p["email"].lower() for p in (late, noshow, stays, swapped)}
    e["e3"] = colleague["email"]
    before_visit = ["offer", "prep_call_invite", "receipt"]
    assert kinds[e["k1"]] == sorted([*before_visit, "prep_call_reminder", "visit_reminder_7d", "cancellation"])
    # k2 cannot join the call: confirmation brings the confirmed visit (a calendar update), no call invitation
    assert kinds[e["k2"]] == sorted(["offer", "calendar_update", "receipt", "background_material", "visit_reminder_7d",
                                     "visit_reminder_1d"])
    assert kinds[e["e1"]] == sorted([*before_visit, "prep_call_reminder", "visit_reminder_7d", "visit_reminder_1d",
                                     "learning_points_request", "follow_up_week_1", "follow_up_week_2"])
    assert kinds[e["e2"]] == sorted([*before_visit, "prep_call_reminder", "visit_reminder_7d", "cancellation"])
    assert kinds[e["e3"]] == sorted(["substitute_place", "visit_reminder_1d", "learning_points_request",
                                     "learning_points_reminder", "follow_up_week_1", "follow_up_week_2"])
    assert kinds[host] == ["host_questions", "host_update", "host_update", "report_to_host"]
    assert kinds[TEAM] == ["alert"]  # kent left with one place by the late withdrawal
    for lead in (kent_lead, essex_lead):
        assert set(kinds[lead]) <= {"receipt", "offer", "waitlist", "offer_expired", "cancellation"}, kinds[lead]
    assert set(kinds) == {*e.values(), host, TEAM, kent_lead, essex_lead}, set(kinds)

    # the outbox agrees with the timeline: nothing went to anyone else, nothing outside the timeline
    mine = [m for m in stack.outbox() if m["message_id"] not in start_mark
            and (s in m["to"][0] or m["to"][0].lower() == host or title in m["subject"] + m["text"])]
    assert {m["to"][0].lower() for m in mine} == set(kinds)
    for to, found in kinds.items():
        assert len([m for m in mine if m["to"][0].lower() == to]) == len(found), to

    # what they say: the material attached, the host's list with consented needs, the no-show not counted
    [material] = [m for m in stack.outbox(to=noshow["email"]) if m["attachments"]
                  and "agenda.pdf" in [a["filename"] for a in m["attachments"]]]
    host_mail = stack.outbox(to=host)
    assert f"Hearing loop {s}" in host_mail[0]["text"] and host_events(host_mail[0])
    assert swapped["name"] in host_mail[1]["text"] and colleague["name"] in host_mail[1]["text"]
    assert late["name"] in host_mail[2]["text"] and "withdrawn" in host_mail[2]["text"]
    assert f"Joint triage desks {s}" in host_mail[3]["text"]
    report = stack.call("GET", f"/visits/{vid}/report", token=coord).body
    assert {v["application_id"] for v in report["visitors"]} == {stays["id"], substitute["id"]}, report["visitors"]
    [alert] = [m for m in stack.outbox(to=TEAM) if title in m["subject"] + m["text"]]
    assert "minimum" in alert["subject"] and late["name"] in alert["text"]
