"""Erasing a person and the coordinators' audit trail, end to end over HTTP against the real local
stack, as the coordinator, the erased person and everyone else see it afterwards."""
from __future__ import annotations

from datetime import timedelta

from tests.local.test_e2e_intake_allocation import advance_past, apply, coordinator, create_visit, tag

DAY = timedelta(days=1)


def test_an_erased_person_is_gone_from_applications_csv_and_emails_and_their_points_stay_unattributed(real_stack):
    stack = real_stack
    coord = coordinator(stack)
    organisation = f"Kent Police {tag()}"
    member = stack.token(f"lead-{tag()}@kent.example", organisation=organisation)
    ann_email, bob_email = f"ann-{tag()}@kent.example", f"bob-{tag()}@kent.example"
    visit = create_visit(stack, coord, close_in=timedelta(days=2), starts_in=timedelta(days=10))
    visit_id = visit["visit_id"]
    ann = apply(stack, visit_id, member, ann_email, "Annabel Erasmus", accessibility_needs="Step-free access")
    bob = apply(stack, visit_id, member, bob_email, "Bob Keeper")
    advance_past(stack, stack.now() + timedelta(days=2))
    for application in (ann, bob):
        reply = stack.call("POST", f"/applications/{application['application_id']}/confirm", token=member)
        assert reply.status == 200, reply.raw
    advance_past(stack, stack.now() + timedelta(days=8, hours=2))  # the visit has happened
    for application, point in ((ann, "Annabel's huddles work"), (bob, "Bob's rota idea")):
        reply = stack.call("POST", f"/applications/{application['application_id']}/learning-points",
                           {"points": [point]}, token=member)
        assert reply.status == 201, reply.raw
    stack.settle()  # every visitor answered: the report is assembled at once
    assert stack.call("GET", f"/visits/{visit_id}/report", token=coord).status == 200
    assert stack.outbox(to=ann_email)  # she was written to before

    # Only coordinators may erase.
    assert stack.call("DELETE", f"/people/{ann_email}", token=member).status == 403
    reply = stack.call("DELETE", f"/people/{ann_email.upper()}", token=coord)
    assert (reply.status, reply.body) == (200, {"erased": 1}), reply.raw
    stack.settle()
    mark = len(stack.outbox(to=ann_email))

    # Gone from her application (to everyone), the coordinators' list and CSV, and "my applications".
    erased = stack.call("GET", f"/applications/{ann['application_id']}", token=coord).body
    assert "Annabel" not in str(erased) and ann_email not in str(erased).lower()
    assert erased["status"] == "confirmed" and erased["organisation"] == organisation
    assert erased["accessibility_needs"] is None and erased["erased_at"]
    listed = stack.call("GET", f"/visits/{visit_id}/applications", token=coord)
    assert "Annabel" not in listed.raw.decode() and ann_email not in listed.raw.decode()
    assert "Bob Keeper" in listed.raw.decode()
    csv_text = stack.call("GET", f"/visits/{visit_id}/applications", token=coord,
                          headers={"Accept": "text/csv"}).raw.decode()
    assert "Annabel" not in csv_text and ann_email not in csv_text and "Step-free" not in csv_text
    assert "Bob Keeper" in csv_text
    assert stack.call("GET", "/me/applications", token=stack.token(ann_email)).body["applications"] == []
    timeline = stack.call("GET", f"/visits/{visit_id}/timeline", token=coord).raw.decode()
    assert ann_email not in timeline and "Annabel" not in timeline

    # Her learning point stays in the report and the summary, attributed to no one.
    report = stack.call("GET", f"/visits/{visit_id}/report", token=coord)
    assert "Annabel's huddles work" in report.raw.decode() and "Bob's rota idea" in report.raw.decode()
    assert "Annabel Erasmus" not in report.raw.decode() and ann_email not in report.raw.decode()
    assert "Annabel's huddles work" in stack.call("GET", f"/reports/{visit_id}").raw.decode()

    # Nothing more is sent to her, while Bob's follow-up goes on.
    bob_before = len(stack.outbox(to=bob_email))
    advance_past(stack, stack.now() + timedelta(days=14))
    assert len(stack.outbox(to=ann_email)) == mark
    assert len(stack.outbox(to=bob_email)) > bob_before
    assert not [m for m in stack.outbox() if "erased.invalid" in " ".join(m["to"])]

    # Erasing again finds nothing more.
    assert stack.call("DELETE", f"/people/{ann_email}", token=coord).body == {"erased": 0}


def test_erasing_before_the_visit_frees_the_place_for_the_waiting_list(real_stack):
    stack = real_stack
    coord = coordinator(stack)
    organisation = f"Essex Police {tag()}"
    member = stack.token(f"lead-{tag()}@essex.example", organisation=organisation)
    emails = [f"p{n}-{tag()}@essex.example" for n in range(3)]
    visit = create_visit(stack, coord, close_in=timedelta(days=1), starts_in=timedelta(days=20), capacity=2,
                         max_per_organisation=2)
    applications = [apply(stack, visit["visit_id"], member, email, f"Person {n}") for n, email in enumerate(emails)]
    advance_past(stack, stack.now() + DAY)
    status = {a["application_id"]: stack.call("GET", f"/applications/{a['application_id']}", token=coord).body["status"]
              for a in applications}
    assert sorted(status.values()) == ["offered", "offered", "waitlisted"]
    holder = next(a for a in applications if status[a["application_id"]] == "offered")
    waiting = next(a for a in applications if status[a["application_id"]] == "waitlisted")

    before = len(stack.outbox(to=holder["email"]))
    reply = stack.call("DELETE", f"/people/{holder['email']}", token=coord)
    assert reply.body == {"erased": 1}
    stack.settle()
    assert stack.call("GET", f"/applications/{holder['application_id']}", token=coord).body["status"] == "withdrawn"
    assert stack.call("GET", f"/applications/{waiting['application_id']}", token=coord).body["status"] == "offered"
    # The one who was erased got no withdrawal notice, no calendar cancellation: nothing at all.
    assert len(stack.outbox(to=holder["email"])) == before
    assert not [m for m in stack.outbox() if "erased.invalid" in " ".join(m["to"])]


def test_every_coordinator_request_is_in_the_audit_trail_which_only_coordinators_read(real_stack):
    stack = real_stack
    coord_email = f"auditor-{tag()}@centre.example"
    coord = stack.token(coord_email, name="Auditor", groups=["coordinators"])
    visit = create_visit(stack, coord)
    someone = f"gone-{tag()}@nowhere.example"
    assert stack.call("DELETE", f"/people/{someone}", token=coord).body == {"erased": 0}
    stack.call("GET", f"/visits/{visit['visit_id']}/applications", token=coord)

    member = stack.token(f"member-{tag()}@kent.example", organisation="Kent Police")
    assert stack.call("GET", "/audit", token=member).status == 403
    assert stack.call("GET", "/audit").status == 401
    reply = stack.call("GET", "/audit?limit=50", token=coord)
    assert reply.status == 200, reply.raw
    mine = [e for e in reply.body["entries"] if e["coordinator"] == coord_email]
    assert [(e["method"], e["route"]) for e in mine] == [
        ("GET", "/visits/{visit_id}/applications"), ("DELETE", "/people/{email}"), ("POST", "/visits")]
    assert all(e["status"] in (200, 201) and e["at"] for e in mine)
    assert mine[0]["parameters"] == {"visit_id": visit["visit_id"]}
    assert someone not in reply.raw.decode()  # an erasure keeps no address
    assert not [e for e in reply.body["entries"] if e["route"] == "/audit"]
