"""A visit's whole life on a local stack where 30 % of table writes, transactions, event puts and
email sends fail transiently, and SQS delivers handled messages again (`FAULTS=0.3`).

Clients do what a browser or the members' site does with a 5xx: send the same request again with the
same Idempotency-Key. At the end: every application is there once, every communication went out
exactly once (one message per timeline record, none planned left unsent), no event is in a
dead-letter queue, and faults of every kind were indeed injected.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from tests.local.conftest import start_stack, stop_stack
from tests.local.test_e2e_intake_allocation import application, iso, tag

DAY, WEEK = timedelta(days=1), timedelta(days=7)
START = "2031-03-03T09:30:00Z"


@pytest.fixture(scope="module")
def faulty_stack(tmp_path_factory):
    log = tmp_path_factory.mktemp("local") / "faulty-stack.log"
    stack = start_stack(log, "--no-warm", now=START, environment={"FAULTS": "0.3"})
    yield stack
    assert stop_stack(stack) == 0, log.read_text()[-3000:]


def persist(stack, method: str, path: str, body=None, *, token: str | None = None, expect: int = 200):
    """The request, sent again (same Idempotency-Key) while the answer is a 5xx, as a client would."""
    key = uuid.uuid4().hex
    for _ in range(8):
        reply = stack.call(method, path, body, token=token, headers={"Idempotency-Key": key} if method == "POST" else {})
        if reply.status < 500:
            assert reply.status == expect, (method, path, reply.status, reply.raw[:300])
            return reply.body
        time.sleep(0.05)
    raise AssertionError(f"{method} {path} kept failing: {reply.status} {reply.raw[:300]!r}")


def test_a_visits_life_with_thirty_percent_faults_loses_nothing_and_sends_everything_once(faulty_stack):
    stack, s = faulty_stack, tag()
    coord = stack.token(f"coord-{s}@centre.example", organisation="Research Centre", groups=["coordinators"])
    now = stack.now().replace(second=0, microsecond=0)
    close, call, start = now + 2 * DAY, now + 10 * DAY, now + 14 * DAY
    visit = persist(stack, "POST", "/visits", {
        "title": f"Collaboration {s}", "theme": "More effective emergency services through collaboration",
        "host": {"organisation": "South West Emergency Services Collaboration Programme Board",
                 "contact_name": "Host Contact", "contact_email": f"host-{s}@sw.example"},
        "venue": "Exeter", "starts_at": iso(start), "capacity": 6, "applications_close_at": iso(close),
        "prep_call_at": iso(call), "prep_call_dial_in": "0800 000 1111"}, token=coord, expect=201)
    vid = visit["visit_id"]

    people = []
    for org in ("Avon", "Kent", "Dyfed", "Open"):
        member = stack.token(f"lead-{org.lower()}-{s}@{org.lower()}.example", organisation=f"{org} {s}")
        for n in range(2):
            email = f"{org.lower()}{n}-{s}@{org.lower()}.example"
            created = persist(stack, "POST", f"/visits/{vid}/applications", application(email, f"{org} Person {n}"),
                              token=member, expect=201)
            people.append({"id": created["application_id"], "email": email, "member": member, "org": org})
    stack.advance(close + timedelta(hours=1, minutes=1))
    stack.settle()

    statuses = {p["id"]: persist(stack, "GET", f"/applications/{p['id']}", token=coord)["status"] for p in people}
    holders = [p for p in people if statuses[p["id"]] == "offered"]
    assert len(holders) == 6 and Counter(statuses.values()) == {"offered": 6, "waitlisted": 2}, statuses
    for person in holders[:5]:
        persist(stack, "POST", f"/applications/{person['id']}/confirm", token=person["member"])
    leaving = holders[5]
    persist(stack, "POST", f"/applications/{leaving['id']}/withdraw", token=leaving["member"])
    stack.settle()

    stack.advance(start + DAY + timedelta(hours=1, minutes=1))
    confirmed = [p for p in people if persist(stack, "GET", f"/applications/{p['id']}", token=coord)["status"]
                 == "confirmed"]
    for person in confirmed[:3]:
        persist(stack, "POST", f"/applications/{person['id']}/learning-points",
                {"points": [f"Shared control rooms ({person['org']})"]}, token=person["member"], expect=201)
    stack.advance(start + 7 * WEEK)
    stack.settle()

    # No application lost, none twice.
    listed = persist(stack, "GET", f"/visits/{vid}/applications", token=coord)["applications"]
    assert sorted(a["email"] for a in listed) == sorted(p["email"] for p in people)
    # Every communication exactly once: one message per record of it, nothing planned left behind.
    items = persist(stack, "GET", f"/visits/{vid}/timeline", token=coord)["items"]
    unsent = [i for i in items if not i.get("sent_at") and i.get("to") and i.get("status") != "skipped"
              and stack.now() > _parse(i["due_at"])]
    assert unsent == [], unsent
    addresses = {p["email"].lower() for p in people} | {visit["host"]["contact_email"].lower()}
    sent_per_address = Counter(to.lower() for i in items if i.get("sent_at") for to in i.get("to") or [])
    outbox = Counter(to.lower() for m in stack.outbox() for to in m["to"] if to.lower() in addresses)
    assert outbox == Counter({a: n for a, n in sent_per_address.items() if a in addresses}), (outbox, sent_per_address)
    subjects = Counter((to.lower(), m["subject"]) for m in stack.outbox() for to in m["to"] if to.lower() in addresses)
    assert [k for k, n in subjects.items() if n > 1] == []
    assert {i["kind"] for i in items if i.get("sent_at")} >= {
        "receipt", "offer", "waitlist", "prep_call_invite", "prep_call_reminder", "visit_reminder_7d",
        "host_questions", "learning_points_request", "report_to_host", "follow_up_week_6"}
    # Every event delivered: nothing dead-lettered; and the faults were real.
    report = persist(stack, "GET", "/_local/faults")
    assert set(report["dead_letters"].values()) == {0}, report
    assert report["rate"] == 0.3 and all(n > 0 for n in report["injected"].values()), report


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
