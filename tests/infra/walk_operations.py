"""A walk through what the smoke walk leaves out, over HTTP: `python walk_operations.py BASE_URL`.

Reading and changing a visit, idempotent retries, a coordinator's withdrawal, the CSV, a
cancellation; a visit through to its report and a visitor erased, the audit trail. Run by tests/infra/aws_calls.py so that every route's AWS calls are measured.
"""
from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:3000"


def call(method: str, path: str, body=None, token: str | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    try:
        return status, json.loads(content) if content else None
    except ValueError:
        return status, content.decode(errors="replace")


def expect(what: str, status: int, wanted: int, body=None) -> None:
    print(("ok   " if status == wanted else "FAIL ") + what)
    if status != wanted:
        print(f"  got {status}: {str(body)[:300]}")
        sys.exit(1)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def token(email: str, **claims) -> str:
    status, body = call("POST", "/_local/token", {"email": email, **claims})
    assert status == 200, body
    return body["token"]


def main() -> int:
    coordinator = token("ops-walk@centre.example", groups=["coordinators"], name="Ops Walk")
    _, clock = call("GET", "/_local/clock")
    now = datetime.fromisoformat(clock["now"].replace("Z", "+00:00"))
    visit = {"title": "Operations walk", "theme": "Collaboration",
             "host": {"organisation": "Merseyside Police", "contact_name": "Host", "contact_email": "host@mersey.example"},
             "venue": "HQ", "starts_at": iso(now + timedelta(days=40)), "capacity": 4,
             "applications_close_at": iso(now + timedelta(days=10)), "prep_call_at": iso(now + timedelta(days=20))}
    key = {"Idempotency-Key": "ops-walk-visit"}
    status, created = call("POST", "/visits", visit, coordinator, key)
    expect("a coordinator creates a visit (with an Idempotency-Key)", status, 201, created)
    status, again = call("POST", "/visits", visit, coordinator, key)
    expect("the retry gets the first answer", status, 201, again)
    visit_id = created["visit_id"]
    status, body = call("GET", f"/visits/{visit_id}")
    expect("anyone reads the visit", status, 200, body)
    status, body = call("PATCH", f"/visits/{visit_id}", {"capacity": 6}, coordinator)
    expect("a coordinator changes the capacity", status, 200, body)
    lead = token("lead@cheshire.example", organisation="Cheshire Constabulary")
    applications = []
    for n in range(2):
        status, body = call("POST", f"/visits/{visit_id}/applications", {
            "name": f"Visitor {n}", "email": f"visitor{n}@cheshire.example", "role": "police",
            "job_title": "Inspector", "motivation": "Learn.", "questions": ["How?"], "prep_call": "join"}, lead,
            {"Idempotency-Key": f"ops-walk-app-{n}"})
        expect(f"a member applies ({n + 1})", status, 201, body)
        applications.append(body["application_id"])
    status, body = call("GET", f"/applications/{applications[0]}", token=lead)
    expect("the member reads the application", status, 200, body)
    status, body = call("GET", "/me/applications", token=lead)
    expect("the member lists their applications", status, 200, body)
    status, body = call("GET", f"/visits/{visit_id}/applications", token=coordinator, headers={"Accept": "text/csv"})
    expect("a coordinator downloads the CSV", status, 200, body)
    status, body = call("POST", f"/applications/{applications[1]}/withdraw", token=coordinator)
    expect("a coordinator withdraws an application", status, 200, body)
    status, body = call("POST", f"/visits/{visit_id}/allocation", token=coordinator)
    expect("a coordinator runs the allocation", status, 200, body)
    call("POST", "/_local/settle")
    # A visitor acts through the links in the offer email: read, confirm, then withdraw.
    _, outbox = call("GET", "/_local/outbox?to=visitor0@cheshire.example")
    tokens = [t for m in outbox["messages"] for t in re.findall(r"/links/([A-Za-z0-9_-]{20,})", m["text"])]
    expect("the offer carries links", 200 if tokens else 404, 200, outbox)
    for token_ in dict.fromkeys(tokens):
        status, body = call("GET", f"/links/{token_}")
        expect("a link describes its action", status, 200, body)
        if body.get("action") in ("confirm", "withdraw"):
            status, body = call("POST", f"/links/{token_}", {})
            expect(f"the visitor acts through the link ({body and body.get('status')})", status, 200, body)
    call("POST", "/_local/settle")
    # The programme team's tools: background material, resending a receipt.
    request = urllib.request.Request(f"{BASE}/visits/{visit_id}/material/agenda.pdf", data=b"%PDF-1.4 agenda",
                                     method="PUT", headers={"Content-Type": "application/pdf",
                                                            "Authorization": f"Bearer {coordinator}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        expect("a coordinator uploads background material", response.status, 201)
    status, body = call("POST", f"/visits/{visit_id}/timeline/resend",
                        {"kind": "receipt", "occasion": applications[0], "to": "visitor0@cheshire.example"},
                        coordinator)
    expect("a coordinator resends a receipt", status, 200, body)
    status, body = call("POST", f"/visits/{visit_id}/cancel", {"reason": "The walk is over."}, coordinator)
    expect("a coordinator cancels the visit", status, 200, body)
    call("POST", "/_local/settle")
    erasure_walk(coordinator, now + timedelta(days=1))
    print("all steps hold")
    return 0


def erasure_walk(coordinator: str, now: datetime) -> None:
    """A visit through to its report, then one visitor erased: what erasure and the audit touch."""
    visit = {"title": "Erasure walk", "theme": "Wellbeing",
             "host": {"organisation": "Kent Police", "contact_name": "Host", "contact_email": "host@kent.example"},
             "venue": "HQ", "starts_at": iso(now + timedelta(days=5)), "capacity": 4,
             "applications_close_at": iso(now + timedelta(days=1)), "prep_call_at": None}
    status, created = call("POST", "/visits", visit, coordinator)
    expect("a coordinator creates a second visit", status, 201, created)
    lead = token("lead@essex.example", organisation="Essex Police")
    ids = []
    for n in range(2):
        status, body = call("POST", f"/visits/{created['visit_id']}/applications", {
            "name": f"Essex {n}", "email": f"essex{n}@essex.example", "role": "staff", "job_title": "Analyst",
            "motivation": "Learn.", "questions": ["How?"], "prep_call": "cannot_join"}, lead)
        expect(f"a member applies to it ({n + 1})", status, 201, body)
        ids.append(body["application_id"])
    call("POST", "/_local/clock", {"now": iso(now + timedelta(days=1, hours=2))})
    for application_id in ids:
        status, body = call("POST", f"/applications/{application_id}/confirm", token=lead)
        expect("the member confirms", status, 200, body)
    call("POST", "/_local/clock", {"now": iso(now + timedelta(days=6, hours=2))})
    for application_id in ids:
        status, body = call("POST", f"/applications/{application_id}/learning-points", {"points": ["A point"]}, lead)
        expect("a visitor sends learning points", status, 201, body)
    call("POST", "/_local/settle")
    status, body = call("GET", f"/visits/{created['visit_id']}/report", token=coordinator)
    expect("the report is assembled", status, 200, body)
    status, body = call("DELETE", "/people/essex0@essex.example", token=coordinator)
    expect("a coordinator erases a visitor named in the report", status, 200, body)
    status, body = call("GET", "/audit", token=coordinator)
    expect("a coordinator reads the audit trail", status, 200, body)


if __name__ == "__main__":
    sys.exit(main())
