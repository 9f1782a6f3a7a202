"""Erasure and the audit trail in the stores: the same answers from DynamoDB and from memory."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain import erasure
from shared.errors import Conflict
from shared.models.events import ApplicationErased
from shared.store.audit import AuditEntry
from shared.store.sent import SentRecord
from tests.stores.test_visits_applications import T0, application, submitted, visit

VISIT = visit()


def erased_event(app) -> ApplicationErased:
    return ApplicationErased(visit_id=app.visit_id, application_id=app.application_id, organisation=app.organisation)


def test_erasing_replaces_the_personal_fields_and_frees_the_address_for_this_visit(stores):
    from shared.models.events import VisitCreated

    stores.visits.create(VISIT, VisitCreated(visit_id="v1"))
    sam = application()
    stores.applications.submit(sam, VISIT, submitted(sam))
    stored = stores.applications.erase(sam, erased_event(sam), **erasure.erased_fields("a1"), erased_at=T0)
    found = stores.applications.find("a1")
    assert found == stored and found.name == erasure.ERASED and found.email == erasure.placeholder_email("a1")
    assert found.questions == [erasure.ERASED] and found.erased_at == T0 and found.version == 2
    assert stores.applications.of_person("sam@essex.example") == []
    assert [a.application_id for a in stores.applications.of_person("lead@essex.example")] == ["a1"]
    # The guard named the address: gone with it (the same address may apply again).
    again = application("a2")
    stores.applications.submit(again, VISIT, submitted(again))
    with pytest.raises(Conflict):  # from the version read only
        stores.applications.erase(sam, erased_event(sam), **erasure.erased_fields("a1"))


def test_records_of_emails_sent_to_a_person_name_the_placeholder_afterwards(stores):
    def record(recipient: str, kind: str) -> SentRecord:
        return SentRecord(visit_id="v1", kind=kind, occasion="d1", recipient=recipient, claimed_at=T0, due_at=T0)

    claims = {(recipient, kind): stores.sent.claim(record(recipient, kind), visit=VISIT,
                                                   stale_before=T0 - timedelta(hours=1))
              for recipient, kind in (("Sam@Essex.example", "offer"), ("sam@essex.example", "visit_reminder_1d"),
                                      ("kim@kent.example", "host_questions"))}
    assert all(claims.values())
    stores.sent.mark_sent(claims["Sam@Essex.example", "offer"], sent_at=T0, message_id="m1")
    placeholder = erasure.placeholder_email("a1")
    assert stores.sent.readdress("v1", "sam@essex.example", placeholder) == 2
    records = {(r.kind, r.recipient, r.message_id) for r in stores.sent.of_visit("v1")}
    assert records == {("offer", placeholder, "m1"), ("visit_reminder_1d", placeholder, None),
                       ("host_questions", "kim@kent.example", None)}
    assert stores.sent.find("v1", "offer", "d1", "sam@essex.example") is None
    assert stores.sent.readdress("v1", "sam@essex.example", placeholder) == 0


def test_the_audit_trail_answers_newest_first_up_to_a_limit(stores):
    for n in range(5):
        stores.audit.record(AuditEntry(at=T0 + timedelta(minutes=n), request_id=f"r{n}", coordinator="c@x.example",
                                       method="POST", route="/visits", status=201))
    assert [e.request_id for e in stores.audit.latest(3)] == ["r4", "r3", "r2"]
    assert len(stores.audit.latest(100)) == 5


def test_kept_copies_of_emails_to_an_erased_person_are_forgotten_and_others_kept(stores):
    copy = {"subject": "A place for you", "text": "Hello Sam Smith", "to": ["sam@essex.example"]}
    stores.extras.keep_copy("v1", "offer", "d1", "Sam@Essex.example", copy)
    stores.extras.keep_copy("v1", "visit_reminder_1d", "d1", "sam@essex.example", copy)
    stores.extras.keep_copy("v1", "host_questions", "d1", "kim@kent.example", {**copy, "to": ["kim@kent.example"]})
    assert stores.extras.forget_copies("v1", "sam@essex.example") == 2
    assert stores.extras.copy("v1", "offer", "d1", "sam@essex.example") is None
    assert stores.extras.copy("v1", "visit_reminder_1d", "d1", "sam@essex.example") is None
    assert stores.extras.copy("v1", "host_questions", "d1", "kim@kent.example")["to"] == ["kim@kent.example"]
    assert stores.extras.forget_copies("v1", "sam@essex.example") == 0
