"""The console's and the members' pages' actions over moto, invoked as API Gateway invokes the console
function: who may act (the session decides, never the form), the CSRF token, and a file upload reaching
the material service byte for byte when API Gateway passes the multipart form base64-encoded."""
from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from shared import clock
from shared import session as sessions
from shared.adapters import documents, table
from shared.auth import issue_local_token
from shared.models.application import Application
from shared.models.visit import VisitFields
from shared.services import applications, material, visits
from shared.store import dynamodb
from shared.store import applications as application_items
from tests.conftest import TEST_ENV
from tests.helpers import Context, api_event

STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\xff\x00\x80 not text at all\n%%EOF\n"


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def visit(aws):
    clock.use(FixedClock(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)))
    yield visits.create(dynamodb(), VisitFields.model_validate({
        "title": "Staff wellbeing", "theme": "Wellbeing",
        "host": {"organisation": "Lancashire Constabulary", "contact_name": "Hana Host",
                 "contact_email": "hana@lancashire.example"},
        "venue": "Hutton HQ", "starts_at": clock.iso(STARTS), "capacity": 8,
        "applications_close_at": "2026-12-01T00:00:00Z", "prep_call_at": "2027-01-12T10:00:00Z"}))
    clock.use(clock.SystemClock())


@pytest.fixture
def kim(visit) -> Application:
    """Kent Police's confirmed visitor, applied for by Kent's lead."""
    application = Application(
        application_id="a-kim", visit_id=visit.visit_id, organisation="Kent Police", status="confirmed",
        submitted_at=clock.now(), updated_at=clock.now(), submitted_by="lead@kent.example", name="Kim Kentish",
        email="kim@kent.example", role="police", job_title="Inspector", motivation="To learn", prep_call="join",
        questions=["How do peer supporters work?"], offer_expires_at=STARTS - timedelta(days=7))
    table.put(application_items.to_item(application))
    return application


class Browser:
    """One signed-in person's cookie, posting forms with (or without) their CSRF token."""

    def __init__(self, email: str, organisation: str = "", coordinator: bool = False):
        self.token = issue_local_token(TEST_ENV["LOCAL_TOKEN_SECRET"], email=email, name=email.split("@")[0],
                                       organisation=organisation, groups=["coordinators"] if coordinator else [],
                                       issued_at=int(time.time()))
        self.csrf = sessions.csrf_token(self.token)

    def post(self, path: str, resource: str, form: dict, *, csrf: bool = True) -> dict:
        from functions.console.handler import handler

        body = urlencode({**form, **({sessions.CSRF_FIELD: self.csrf} if csrf else {})}, doseq=True)
        event = api_event("POST", path, resource, raw_body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{sessions.COOKIE}={self.token}"})
        return handler(event, Context())

    def upload(self, path: str, resource: str, filename: str, content: bytes, content_type: str, *,
               csrf: bool = True) -> dict:
        """The visit page's upload form as API Gateway passes it (multipart/form-data is a binary media type)."""
        from functions.console.handler import handler

        boundary = "----console-test"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{sessions.CSRF_FIELD}"\r\n\r\n'
                 f"{self.csrf if csrf else 'forged'}\r\n".encode(),
                 f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n",
                 f"--{boundary}--\r\n".encode()]
        event = api_event("POST", path, resource, raw_body=base64.b64encode(b"".join(parts)).decode(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": f"{sessions.COOKIE}={self.token}"})
        event["isBase64Encoded"] = True
        return handler(event, Context())


def location(answer: dict) -> str:
    return (answer.get("multiValueHeaders") or {}).get("Location", [""])[0]


SUBSTITUTE = "/members/applications/{application_id}/substitute"
COLLEAGUE = {"name": "Cara Colleague", "email": "cara@kent.example", "role": "staff", "job_title": "Analyst",
             "prep_call": "join"}


def test_a_member_of_another_organisation_cannot_hand_on_a_place_and_nothing_changes(kim):
    essex = Browser("lead@essex.example", organisation="Essex Police")
    answer = essex.post(SUBSTITUTE.format(application_id=kim.application_id), SUBSTITUTE, COLLEAGUE)
    assert answer["statusCode"] == 403 and "own organisation" in answer["body"]
    assert applications.find(dynamodb(), kim.application_id).status == "confirmed"
    assert [a.name for a in applications.of_visit(dynamodb(), kim.visit_id)] == ["Kim Kentish"]


def test_the_colleague_joins_the_members_own_organisation_whatever_the_form_says(kim):
    lead = Browser("lead@kent.example", organisation="Kent Police")
    answer = lead.post(SUBSTITUTE.format(application_id=kim.application_id), SUBSTITUTE,
                       {**COLLEAGUE, "organisation": "Essex Police"})
    assert answer["statusCode"] == 303 and location(answer).endswith("/members?done=substituted#applications")
    new = next(a for a in applications.of_visit(dynamodb(), kim.visit_id) if a.name == "Cara Colleague")
    assert (new.organisation, new.status) == ("Kent Police", "confirmed")
    assert applications.find(dynamodb(), kim.application_id).status == "substituted"


def test_a_substitution_without_the_sessions_csrf_token_changes_nothing(kim):
    lead = Browser("lead@kent.example", organisation="Kent Police")
    answer = lead.post(SUBSTITUTE.format(application_id=kim.application_id), SUBSTITUTE, COLLEAGUE, csrf=False)
    assert answer["statusCode"] == 403
    assert applications.find(dynamodb(), kim.application_id).status == "confirmed"


def test_an_invalid_colleague_gets_the_form_back_with_each_error_beside_its_field(kim):
    coordinator = Browser("cora@programme.example", coordinator=True)
    path = "/console/applications/{application_id}/substitute"
    answer = coordinator.post(path.format(application_id=kim.application_id), path,
                              {**COLLEAGUE, "email": "kim@kent.example", "name": ""})
    assert answer["statusCode"] == 422
    assert 'id="name-error"' in answer["body"] and 'aria-invalid="true"' in answer["body"]
    assert applications.find(dynamodb(), kim.application_id).status == "confirmed"


@pytest.mark.parametrize("path", ["/console/visits/{visit_id}/attendance", "/console/visits/{visit_id}/resend"])
def test_members_cannot_use_the_coordinators_actions(visit, kim, path):
    lead = Browser("lead@kent.example", organisation="Kent Police")
    answer = lead.post(path.format(visit_id=visit.visit_id), path, {f"attendance-{kim.application_id}": "absent"})
    assert answer["statusCode"] == 403
    assert applications.find(dynamodb(), kim.application_id).attended is None


MATERIAL = "/console/visits/{visit_id}/material"


def test_a_binary_file_uploaded_through_the_form_is_stored_byte_for_byte(visit):
    coordinator = Browser("cora@programme.example", coordinator=True)
    answer = coordinator.upload(MATERIAL.format(visit_id=visit.visit_id), MATERIAL, "briefing.pdf", PDF,
                                "application/pdf")
    assert answer["statusCode"] == 303 and location(answer).endswith("?done=material#material")
    (stored,) = material.of_visit(dynamodb(), visit.visit_id)
    assert stored["filename"] == "briefing.pdf" and stored["size"] == len(PDF)
    assert documents.get(material.object_key(visit.visit_id, "briefing.pdf")).content == PDF


def test_an_upload_without_the_csrf_token_or_of_a_refused_kind_stores_nothing(visit):
    coordinator = Browser("cora@programme.example", coordinator=True)
    forged = coordinator.upload(MATERIAL.format(visit_id=visit.visit_id), MATERIAL, "briefing.pdf", PDF,
                                "application/pdf", csrf=False)
    assert forged["statusCode"] == 403
    refused = coordinator.upload(MATERIAL.format(visit_id=visit.visit_id), MATERIAL, "tool.exe", b"MZ\x90\x00",
                                 "application/octet-stream")
    assert refused["statusCode"] == 415 and 'id="material-error"' in refused["body"]
    assert material.of_visit(dynamodb(), visit.visit_id) == []


def test_handing_on_a_place_that_is_no_longer_held_says_why_on_the_form_and_changes_nothing(visit, kim):
    table.put(application_items.to_item(kim.model_copy(update={"status": "withdrawn"})))
    lead = Browser("lead@kent.example", organisation="Kent Police")
    answer = lead.post(SUBSTITUTE.format(application_id=kim.application_id), SUBSTITUTE, COLLEAGUE)
    assert answer["statusCode"] == 409
    assert "There is a problem" in answer["body"] and "holds no place (it is withdrawn)" in answer["body"]
    assert 'value="Cara Colleague"' in answer["body"]  # what was typed stays
    assert [a.name for a in applications.of_visit(dynamodb(), visit.visit_id)] == ["Kim Kentish"]


def test_fresh_links_for_a_withdrawn_visitor_say_why_not_on_the_visits_page(visit, kim, aws):
    table.put(application_items.to_item(kim.model_copy(update={"status": "withdrawn"})))
    coordinator = Browser("cora@programme.example", coordinator=True)
    path = "/console/applications/{application_id}/reissue"
    answer = coordinator.post(path.format(application_id=kim.application_id), path, {})
    assert answer["statusCode"] == 409
    assert "Staff wellbeing" in answer["body"] and "no action is open to it" in answer["body"]
    assert aws._sent_mail() == []


def test_an_email_never_sent_cannot_be_sent_again_and_the_page_says_so(visit, kim, aws):
    coordinator = Browser("cora@programme.example", coordinator=True)
    path = "/console/visits/{visit_id}/resend"
    answer = coordinator.post(path.format(visit_id=visit.visit_id), path,
                              {"kind": "offer", "occasion": "a-kim#2027-01-12T10:00:00Z", "to": "kim@kent.example"})
    assert answer["statusCode"] == 404 and "There is a problem" in answer["body"]
    assert "No offer email" in answer["body"] and aws._sent_mail() == []
