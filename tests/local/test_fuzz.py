"""The API fuzzed with schemathesis over HTTP, and its OpenAPI document checked against the topology.

Schemathesis reads the stack's own /openapi.json, so a failure here is either a server error or the
document saying something the API does not do (an undeclared status, body or content type, a
missing 401, a method that is not refused with 405, an invalid body accepted).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from openapi_spec_validator import validate

from functions.visits.openapi import PAGE_FUNCTIONS
from shared.topology import ROUTES

ST = Path(sys.executable).parent / "st"
# Examples per operation: a bounded run in `make test`; `make fuzz` sets FUZZ_EXAMPLES for >= 1,000 cases.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 10)
DEEP_RUN_CASES = 1000
NOT_DOCUMENTED = {"/openapi.json", "/docs", "/docs/{file}"}
# HTML pages for browsers (the console and the members' pages) are not part of the API.
NOT_DOCUMENTED |= {r.path for r in ROUTES if r.function in PAGE_FUNCTIONS}
# POSTs that take no body; every other POST or PATCH has a JSON request body.
WITHOUT_BODY = {("POST", "/visits/{visit_id}/allocation")}
# Public routes that check a bearer token when one is given (and then show more).
OPTIONAL_SIGN_IN = {("GET", "/visits"), ("GET", "/visits/{visit_id}")}


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def document(stack) -> dict:
    reply = stack.call("GET", "/openapi.json")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    return reply.body


def resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_the_openapi_document_is_valid_and_declares_every_route_with_its_access_and_errors(real_stack):
    doc = document(real_stack)
    validate(doc)  # OpenAPI 3.x, raises on any structural error
    assert doc["openapi"].startswith("3.")
    bearer = [name for name, scheme in doc["components"]["securitySchemes"].items()
              if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer"]
    assert bearer, doc["components"]["securitySchemes"]

    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    expected = {(r.method, r.path) for r in ROUTES if r.path not in NOT_DOCUMENTED}
    assert expected <= documented, f"missing from the document: {sorted(expected - documented)}"
    assert documented <= expected, f"documented but not routed: {sorted(documented - expected)}"

    for route in ROUTES:
        if route.path in NOT_DOCUMENTED:
            continue
        where = f"{route.method} {route.path}"
        operation = doc["paths"][route.path][route.method.lower()]
        parameters = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
        for name in re.findall(r"{(\w+)}", route.path):
            assert parameters[("path", name)]["required"] is True, where
            assert parameters[("path", name)]["schema"]["type"] == "string", where

        has_body = route.method in ("POST", "PATCH") and (route.method, route.path) not in WITHOUT_BODY
        if route.body == "raw":  # a file as sent: its accepted types, as bytes
            content = operation["requestBody"]["content"]
            assert "application/pdf" in content and "application/json" not in content, where
            assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values()), where
        elif has_body:
            schema = resolve(doc, operation["requestBody"]["content"]["application/json"]["schema"])
            assert schema.get("type") == "object" or "anyOf" in schema, (where, schema)
        else:
            assert "requestBody" not in operation, where

        security = operation.get("security")
        if route.access == "public":
            assert security is not None and (security == [] or {} in security), (where, security)
        else:
            assert security == [{bearer[0]: []}], (where, security)

        if route.method == "POST" and route.access != "public":
            assert ("header", "Idempotency-Key") in parameters, where

        errors = {401: route.access != "public" or (route.method, route.path) in OPTIONAL_SIGN_IN,
                  403: route.access == "coordinator",
                  404: "{" in route.path,
                  409: route.method in ("POST", "PATCH"),
                  415: has_body,
                  422: route.method in ("POST", "PATCH")}
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), where
        for status, declared in errors.items():
            if not declared:
                continue
            assert str(status) in responses, (where, status)
            schema = resolve(doc, responses[str(status)]["content"]["application/json"]["schema"])
            assert "message" in schema["required"] and schema["properties"]["message"]["type"] == "string", where
        if route.access == "public" and (route.method, route.path) not in OPTIONAL_SIGN_IN:
            assert "401" not in responses, where

    creating = [("POST", "/visits"), ("POST", "/visits/{visit_id}/applications"),
                ("POST", "/applications/{application_id}/learning-points"),
                ("POST", "/applications/{application_id}/reflections")]
    for method, path in creating:
        assert "201" in doc["paths"][path][method.lower()]["responses"], (method, path)


def test_a_documented_error_is_what_the_api_answers(real_stack):
    """A few errors fuzzing cannot reach by chance, against the document's own words."""
    s = uuid.uuid4().hex[:8]
    coord = real_stack.token(f"fz-doc-{s}@centre.example", groups=["coordinators"])
    # JSON Merge Patch's own media type is JSON; a form body is refused with 415, never parsed.
    reply = real_stack.call("PATCH", f"/visits/no-such-visit-{s}", raw=b'{"title": "x"}', token=coord,
                            headers={"Content-Type": "application/merge-patch+json"})
    assert reply.status == 404 and reply.body["message"]
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        reply = real_stack.call("PATCH", f"/visits/no-such-visit-{s}", raw=b"title=x", token=coord,
                                headers={"Content-Type": content_type})
        assert reply.status == 415 and reply.body["message"], (content_type, reply.raw)
    # A JSON array is not a body of this API (Powertools alone would validate its first item).
    reply = real_stack.call("POST", f"/applications/no-such-application-{s}/withdraw", [{}], token=coord)
    assert reply.status == 422 and reply.body["fields"] == {"body": "must be a JSON object"}
    # Any other method is a 405 with Allow, not the HTTP server's own 501.
    for method in ("TRACE", "QUERY", "DELETE"):
        reply = real_stack.call(method, "/visits")
        assert reply.status == 405 and reply.body["message"], (method, reply.raw)
        assert set(reply.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_bodies_that_fuzzing_found_mishandled(real_stack):
    s = uuid.uuid4().hex[:8]
    coord = real_stack.token(f"fz-bodies-{s}@centre.example", groups=["coordinators"])
    member = real_stack.token(f"fz-bodies-{s}@kent.example", organisation=f"Kent Police {s}")
    now = real_stack.now()
    visit = {"title": f"Small visit {s}", "theme": "t", "venue": "v",
             "host": {"organisation": f"Host {s}", "contact_name": "H", "contact_email": f"host-{s}@host.example"},
             "starts_at": iso(now + timedelta(days=30)), "applications_close_at": iso(now + timedelta(days=20)),
             "capacity": 3}
    # A small visit without a maximum per organisation: the default (4) gives way to the capacity.
    reply = real_stack.call("POST", "/visits", visit, token=coord)
    assert reply.status == 201 and reply.body["max_per_organisation"] == 3, reply.raw
    # A rule across fields names the field it blames.
    late = {**visit, "applications_close_at": iso(now + timedelta(days=31))}
    reply = real_stack.call("POST", "/visits", late, token=coord)
    assert reply.status == 422 and set(reply.body["fields"]) == {"applications_close_at"}, reply.raw
    reply = real_stack.call("POST", "/visits", {**visit, "max_per_organisation": 4}, token=coord)
    assert reply.status == 422 and set(reply.body["fields"]) == {"max_per_organisation"}, reply.raw
    # An address no mail service can send to is refused when given, not found out when mailing.
    vid = real_stack.call("POST", "/visits", visit, token=coord).body["visit_id"]
    for email in ("a(b@kent.example", "ad\u00e9@kent.example", "ada@-kent.example", "ada@kent", "ada\x01@kent.example"):
        reply = real_stack.call("POST", f"/visits/{vid}/applications", {
            "name": "Ada", "email": email, "role": "police", "job_title": "Sergeant", "motivation": "m",
            "questions": ["q"], "prep_call": "join"}, token=member)
        assert reply.status == 422 and set(reply.body["fields"]) == {"email"}, (email, reply.raw)
    unreachable_host = {**visit["host"], "contact_email": "h@x"}
    reply = real_stack.call("POST", "/visits", {**visit, "host": unreachable_host}, token=coord)
    assert reply.status == 422 and set(reply.body["fields"]) == {"host.contact_email"}, reply.raw


def _fixtures(stack) -> dict:
    """An open visit of this test's own, an application to it, and a link from the applicant's mail."""
    s = uuid.uuid4().hex[:8]
    coord = stack.token(f"fz-coord-{s}@centre.example", groups=["coordinators"])
    member = stack.token(f"fz-lead-{s}@kent.example", organisation=f"Kent Police {s}")
    now = stack.now()
    visit = stack.call("POST", "/visits", {
        "title": f"Fuzzed visit {s}", "theme": "Fuzzing", "venue": "Maidstone",
        "host": {"organisation": f"Host {s}", "contact_name": "Hol Host", "contact_email": f"host-{s}@host.example"},
        "starts_at": iso(now + timedelta(days=30)), "applications_close_at": iso(now + timedelta(days=20)),
        "prep_call_at": iso(now + timedelta(days=25)), "prep_call_dial_in": "https://call.example/fuzz",
        "capacity": 4}, token=coord)
    assert visit.status == 201, visit.raw
    applicant = f"fz-applicant-{s}@kent.example"
    application = stack.call("POST", f"/visits/{visit.body['visit_id']}/applications", {
        "name": "Ada Applicant", "email": applicant, "role": "police", "job_title": "Sergeant",
        "motivation": "To learn", "questions": ["How?"], "prep_call": "join"}, token=member)
    assert application.status == 201, application.raw
    stack.settle()
    links = re.findall(r"/links/([A-Za-z0-9_-]{16,})", json.dumps(stack.outbox(to=applicant)))
    return {"coordinator": coord, "member": member, "visit_id": visit.body["visit_id"],
            "application_id": application.body["application_id"], "token": links[0] if links else f"unknown-{s}"}


def fuzz(stack, tmp_path: Path, token: str, ids: dict, name: str) -> str:
    """`st run` over every operation, the path ids fixed to real ones so requests reach the services."""
    config = tmp_path / f"{name}.toml"
    config.write_text("[parameters]\n" + "".join(f'"path.{key}" = "{ids[key]}"\n'
                                                  for key in ("visit_id", "application_id", "token")))
    command = [str(ST), "--no-color", "--config-file", str(config), "run", f"{stack.url}/openapi.json",
               "--url", stack.url, "--max-examples", str(EXAMPLES), "--seed", "1", "--workers", "1",
               # Every check except positive_data_acceptance: some valid-looking bodies are refused on
               # rules the schema cannot state (applications close before the start, no blank text, 1.0
               # is not an integer week). "all" includes response_schema_conformance: every success
               # answer is checked against its declared schema too (shared/models/responses.py).
               # And ensure_resource_availability: a visit's report answers 404 until it is assembled (by
               # contract), which schemathesis reads as "a resource just created is missing".
               "--checks", "all", "--exclude-checks", "positive_data_acceptance,ensure_resource_availability",
               "--header", f"Authorization: Bearer {token}"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120 + 20 * EXAMPLES)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-20000:]
    assert re.search(r"\d+ generated, \d+ passed", output), output[-5000:]
    return output


def test_fuzzing_as_a_coordinator_and_as_a_member_finds_no_server_error_and_no_mismatch(real_stack, tmp_path):
    ids = _fixtures(real_stack)
    coordinator = fuzz(real_stack, tmp_path, ids["coordinator"], ids, "coordinator")
    member = fuzz(real_stack, tmp_path, ids["member"], ids, "member")
    for output in (coordinator, member):
        assert "Server error" not in output and "Undocumented" not in output
    cases = sum(int(n) for output in (coordinator, member) for n in re.findall(r"(\d+) generated", output))
    assert cases > 0
    if "FUZZ_EXAMPLES" in os.environ:  # `make fuzz`: the whole document, at depth
        assert cases >= DEEP_RUN_CASES, cases
    print(f"schemathesis: {cases} cases, no server error, every answer as documented")


def _conforms(doc: dict, method: str, path: str, reply) -> None:
    """The reply's status is declared for the operation and its JSON body is valid against the declared schema."""
    from jsonschema import Draft202012Validator

    where = f"{method} {path} -> {reply.status}"
    declared = doc["paths"][path][method.lower()]["responses"]
    assert str(reply.status) in declared, (where, reply.raw)
    schema = declared[str(reply.status)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": doc["components"]},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(reply.body)]
    assert not errors, (where, errors, reply.raw)


def test_every_success_answer_is_declared_with_a_schema_it_is_true_of(real_stack):
    """Each route's success answers have a schema in the document, and real answers along a visit's
    whole life (fuzzing seldom gets past the guards to them) validate against it."""
    doc = document(real_stack)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if status.startswith("2"):
                    schema = resolve(doc, answer["content"]["application/json"]["schema"])
                    assert schema.get("properties") or schema.get("anyOf"), (method, path, status)

    s = uuid.uuid4().hex[:8]
    stack = real_stack
    coord = stack.token(f"fz-life-coord-{s}@centre.example", groups=["coordinators"])
    organisation = f"Essex Police {s}"
    member = stack.token(f"fz-life-lead-{s}@essex.example", organisation=organisation)
    applicant = f"fz-life-applicant-{s}@essex.example"
    visitor = stack.token(applicant, organisation=organisation)
    now = stack.now()
    starts = now + timedelta(days=3)

    def check(method, path, concrete, body=None, token=None, expect=200):
        reply = stack.call(method, concrete, body, token=token)
        assert reply.status == expect, (method, concrete, reply.raw)
        _conforms(doc, method, path, reply)
        return reply.body

    visit = check("POST", "/visits", "/visits", {
        "title": f"Life {s}", "theme": "Schemas", "venue": "Chelmsford",
        "host": {"organisation": f"Host {s}", "contact_name": "Hol Host", "contact_email": f"host-{s}@host.example"},
        "starts_at": iso(starts), "applications_close_at": iso(now + timedelta(hours=2)), "capacity": 2},
        token=coord, expect=201)
    v = visit["visit_id"]
    assert visit["prep_call_at"] is None and visit["prep_call_dial_in"] is None
    check("PATCH", "/visits/{visit_id}", f"/visits/{v}", {"prep_call_at": iso(starts - timedelta(days=1)),
                                                          "prep_call_dial_in": "https://call.example/life"}, coord)
    anonymous = check("GET", "/visits/{visit_id}", f"/visits/{v}")
    assert set(anonymous["host"]) == {"organisation"} and "prep_call_dial_in" not in anonymous
    check("GET", "/visits/{visit_id}", f"/visits/{v}", token=member)
    check("GET", "/visits", "/visits")
    check("GET", "/visits", "/visits", token=member)

    application = check("POST", "/visits/{visit_id}/applications", f"/visits/{v}/applications", {
        "name": "Ada Applicant", "email": applicant, "role": "staff", "job_title": "Analyst",
        "motivation": "To learn", "questions": ["How?"], "prep_call": "join"}, member, expect=201)
    a = application["application_id"]
    assert application["accessibility_needs"] is None and "offer_expires_at" not in application
    other = check("POST", "/visits/{visit_id}/applications", f"/visits/{v}/applications", {
        "name": "Bea Other", "email": f"fz-life-other-{s}@essex.example", "role": "police", "job_title": "PC",
        "motivation": "To see", "questions": ["Why?"], "prep_call": "cannot_join",
        "accessibility_needs": "Step-free access"}, member, expect=201)
    check("GET", "/applications/{application_id}", f"/applications/{a}", token=member)
    check("GET", "/me/applications", "/me/applications", token=member)
    check("GET", "/visits/{visit_id}/applications", f"/visits/{v}/applications", token=coord)

    allocation = check("POST", "/visits/{visit_id}/allocation", f"/visits/{v}/allocation", token=coord)
    assert allocation["allocated"], allocation
    check("GET", "/visits/{visit_id}/allocation", f"/visits/{v}/allocation", token=coord)
    stack.settle()
    confirmed = check("POST", "/applications/{application_id}/confirm", f"/applications/{a}/confirm", {}, member)
    assert confirmed["status"] == "confirmed" and confirmed["offer_expires_at"]
    check("POST", "/applications/{application_id}/withdraw", f"/applications/{other['application_id']}/withdraw",
          {}, member)
    check("POST", "/applications/{application_id}/prep-call", f"/applications/{a}/prep-call",
          {"attending": False}, member)
    stack.settle()
    check("GET", "/visits/{visit_id}/timeline", f"/visits/{v}/timeline", token=coord)
    tokens = re.findall(r"/links/([A-Za-z0-9_-]{16,})", json.dumps(stack.outbox(to=applicant)))
    described = {check("GET", "/links/{token}", f"/links/{t}")["action"]: t for t in tokens}
    assert "prep_call" in described, described
    check("POST", "/links/{token}", f"/links/{described['prep_call']}", {"attending": True})

    stack.advance(starts + timedelta(hours=1))
    check("POST", "/applications/{application_id}/learning-points", f"/applications/{a}/learning-points",
          {"points": ["Brief before every shift", "Share the rota"]}, member, expect=201)
    check("POST", "/applications/{application_id}/stop-follow-up", f"/applications/{a}/stop-follow-up", {}, visitor)
    check("POST", "/visits/{visit_id}/report/hidden-points", f"/visits/{v}/report/hidden-points",
          {"application_id": a, "index": 1}, coord)

    stack.advance(starts + timedelta(days=15))
    stack.settle()
    # week 1's reflection is taken from week 1's nudge on (7 days after the start)
    check("POST", "/applications/{application_id}/reflections", f"/applications/{a}/reflections",
          {"week": 1, "text": "Tried the briefing", "applied": True}, visitor, expect=201)
    check("GET", "/visits/{visit_id}/report", f"/visits/{v}/report", token=coord)
    summary = check("GET", "/reports/{visit_id}", f"/reports/{v}")
    assert summary["learning_points"] == ["Brief before every shift"], summary
    check("POST", "/visits/{visit_id}/cancel", f"/visits/{v}/cancel", token=coord)
