"""Visits and applications (with the one-per-email guard): the same answers from DynamoDB and from memory."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.errors import Conflict
from shared.models.application import Application
from shared.models.events import ApplicationSubmitted, ApplicationWithdrawn, VisitCreated, VisitUpdated
from shared.models.visit import Visit
from shared.store.applications import AlreadyApplied, VisitNotOpen

T0 = datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc)
STARTS = datetime(2027, 3, 1, 10, 0, tzinfo=timezone.utc)


def visit(visit_id: str = "v1", **changes) -> Visit:
    return Visit.model_validate({
        "visit_id": visit_id, "title": "Hot spots", "theme": "Policing", "venue": "HQ",
        "host": {"organisation": "Kent Police", "contact_name": "Kim", "contact_email": "kim@kent.example"},
        "starts_at": STARTS, "ends_at": STARTS + timedelta(hours=6), "capacity": 6,
        "applications_close_at": STARTS - timedelta(days=14), "created_at": T0, "updated_at": T0, **changes})


def application(application_id: str = "a1", email: str = "Sam@Essex.example", **changes) -> Application:
    return Application.model_validate({
        "application_id": application_id, "visit_id": "v1", "organisation": "Essex Police", "status": "submitted",
        "submitted_at": T0, "submitted_by": "lead@essex.example", "submitted_by_name": "Lee", "updated_at": T0,
        "name": "Sam", "email": email, "role": "police", "job_title": "Inspector", "motivation": "To learn",
        "questions": ["How?"], "prep_call": "join", **changes})


def submitted(app: Application) -> ApplicationSubmitted:
    return ApplicationSubmitted(visit_id=app.visit_id, application_id=app.application_id, organisation=app.organisation)


# --- visits ------------------------------------------------------------------------------------

def test_a_visit_is_created_once_and_listed_oldest_first(stores):
    stores.visits.create(visit("v2", created_at=T0 + timedelta(hours=1)), VisitCreated(visit_id="v2"))
    stores.visits.create(visit("v1"), VisitCreated(visit_id="v1"))
    with pytest.raises(Conflict):
        stores.visits.create(visit("v1"), VisitCreated(visit_id="v1"))
    assert stores.visits.find("v1") == visit("v1")
    assert stores.visits.find("v9") is None
    assert [v.visit_id for v in stores.visits.all()] == ["v1", "v2"]


def test_a_visit_changes_only_from_the_version_read(stores):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    read = stores.visits.find("v1")
    stored = stores.visits.replace(read.model_copy(update={"status": "closed"}), VisitUpdated(visit_id="v1"))
    assert stored.version == 2 and stores.visits.find("v1") == stored
    with pytest.raises(Conflict):
        stores.visits.replace(read.model_copy(update={"status": "cancelled"}), VisitUpdated(visit_id="v1"))
    assert stores.visits.find("v1").status == "closed"


# --- applications ------------------------------------------------------------------------------

def test_one_application_per_email_per_visit(stores):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    first = application()
    stores.applications.submit(first, visit(), submitted(first))
    again = application("a2", email="sam@ESSEX.example")
    with pytest.raises(AlreadyApplied):
        stores.applications.submit(again, visit(), submitted(again))
    assert stores.applications.find("a1") == first and stores.applications.find("a2") is None
    other = application("a3", email="jo@essex.example")
    stores.applications.submit(other, visit(), submitted(other))
    assert [a.application_id for a in stores.applications.of_visit("v1")] == ["a1", "a3"]


def test_nothing_is_stored_for_a_visit_that_no_longer_takes_applications(stores):
    stores.visits.create(visit(status="closed"), VisitCreated(visit_id="v1"))
    app = application()
    with pytest.raises(VisitNotOpen):
        stores.applications.submit(app, visit(), submitted(app))
    assert stores.applications.of_visit("v1") == [] and stores.applications.find("a1") is None
    # ... and the guard was not left behind: once open, the same email may apply.
    stores.visits.replace(stores.visits.find("v1").model_copy(update={"status": "open"}), VisitUpdated(visit_id="v1"))
    stores.applications.submit(app, visit(), submitted(app))
    assert stores.applications.find("a1") == app


def test_someones_applications_as_applicant_or_as_the_member_who_applied(stores):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    for app in (application("a1"), application("a2", email="lead@essex.example", submitted_at=T0 + timedelta(1)),
                application("a3", email="jo@essex.example", submitted_by="other@essex.example")):
        stores.applications.submit(app, visit(), submitted(app))
    assert [a.application_id for a in stores.applications.of_person("LEAD@essex.example")] == ["a1", "a2"]
    assert [a.application_id for a in stores.applications.of_person("sam@essex.example")] == ["a1"]
    assert [a.application_id for a in stores.applications.find_many(["a3", "a1", "zz", "a3"])] in (["a3", "a1"],
                                                                                                   ["a1", "a3"])


def test_an_application_changes_only_from_the_version_and_status_read(stores):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    app = application()
    stores.applications.submit(app, visit(), submitted(app))
    withdrawn = ApplicationWithdrawn(visit_id="v1", application_id="a1", organisation="Essex Police",
                                     previous_status="submitted")
    with pytest.raises(Conflict):
        stores.applications.change(app, withdrawn, from_status=("offered",), status="withdrawn")
    changed = stores.applications.change(app, withdrawn, from_status=("submitted",), status="withdrawn")
    assert changed.version == 2 and stores.applications.find("a1") == changed
    assert changed.submitted_by_name == "Lee"
    with pytest.raises(Conflict):
        stores.applications.change(app, withdrawn, status="withdrawn")  # read at version 1: stale


def test_offers_are_written_all_or_nothing_with_the_visit_unchanged(stores):
    from shared.models.events import ApplicationOffered
    from shared.store.applications import Moved

    stored_visit = visit()
    stores.visits.create(stored_visit, VisitCreated(visit_id="v1"))
    apps = [application(f"a{n}", f"p{n}@essex.example") for n in range(3)]
    for app in apps:
        stores.applications.submit(app, stored_visit, submitted(app))

    def offers(*chosen):
        return [(a, ApplicationOffered(visit_id="v1", application_id=a.application_id, organisation=a.organisation,
                                       offer_expires_at="2027-02-01T00:00:00Z", promotion=False),
                 {"status": "offered"}) for a in chosen]

    stores.applications.change(apps[2], None, status="withdrawn")  # after the offers were decided
    with pytest.raises(Moved):
        stores.applications.offer_all(stored_visit, offers(*apps), ("submitted", "waitlisted"))
    assert [stores.applications.find(a.application_id).status for a in apps] == ["submitted", "submitted", "withdrawn"]

    offered = stores.applications.offer_all(stored_visit, offers(*apps[:2]), ("submitted", "waitlisted"))
    assert [a.status for a in offered] == ["offered", "offered"]
    assert stores.visits.find("v1").version == stored_visit.version + 1  # whoever read the visit reads again
    with pytest.raises(Conflict):
        stores.visits.replace(stored_visit.model_copy(update={"capacity": 1}), VisitUpdated(visit_id="v1"))


def test_changes_written_together_each_only_where_its_application_is_unchanged(stores):
    from shared.models.events import ApplicationWaitlisted

    stored_visit = visit()
    stores.visits.create(stored_visit, VisitCreated(visit_id="v1"))
    apps = [application(f"a{n}", f"p{n}@essex.example") for n in range(3)]
    for app in apps:
        stores.applications.submit(app, stored_visit, submitted(app))
    stores.applications.change(apps[1], None, status="withdrawn")  # after the waiting list was decided

    changes = [(a, ApplicationWaitlisted(visit_id="v1", application_id=a.application_id, organisation=a.organisation,
                                         position=n + 1, reason="full"),
                {"status": "waitlisted", "waitlist_position": n + 1, "waitlist_reason": "full"})
               for n, a in enumerate(apps)]
    stored = stores.applications.change_each(changes, ("submitted", "waitlisted"))
    assert [a and a.status for a in stored] == ["waitlisted", None, "waitlisted"]
    assert [(a.status, a.waitlist_position) for a in map(stores.applications.find, ("a0", "a1", "a2"))] == [
        ("waitlisted", 1), ("withdrawn", None), ("waitlisted", 3)]
    assert stores.applications.change_each([], ("submitted",)) == []


def test_each_kind_of_change_leaves_the_whole_application_stored_as_changed(stores):
    """A change writes only the attributes that differ from the version read: what is stored is still the
    whole application as changed, every attribute and index key, whatever changed before it."""
    from shared.models.events import ApplicationOffered, ApplicationWaitlisted
    from shared.store.applications import to_item

    def stored(application_id: str) -> dict:
        if stores.memory is not None:
            return to_item(stores.applications.find(application_id))
        from shared.adapters import table

        return table.get(f"APP#{application_id}", "APP")

    stored_visit = visit()
    stores.visits.create(stored_visit, VisitCreated(visit_id="v1"))
    app = application("a1", "p1@essex.example", accessibility_needs="Step-free access")
    stores.applications.submit(app, stored_visit, submitted(app))
    [app] = stores.applications.change_each([(app, ApplicationWaitlisted(
        visit_id="v1", application_id="a1", organisation=app.organisation, position=4, reason="full"),
        {"status": "waitlisted", "waitlist_position": 4, "waitlist_reason": "full"})], ("submitted",))
    [app] = stores.applications.change_each([(app, ApplicationWaitlisted(
        visit_id="v1", application_id="a1", organisation=app.organisation, position=3, reason="full"),
        {"status": "waitlisted", "waitlist_position": 3, "waitlist_reason": "full"})], ("waitlisted",))
    [app] = stores.applications.offer_all(stored_visit, [(app, ApplicationOffered(
        visit_id="v1", application_id="a1", organisation=app.organisation, offer_expires_at="2027-02-01T00:00:00Z",
        promotion=True), {"status": "offered", "waitlist_position": None, "waitlist_reason": None})], ("waitlisted",))
    app = stores.applications.change(app, None, from_status=("offered",), status="confirmed", name="Sam Jones")
    item = stored("a1")
    assert {k: item.get(k) for k in to_item(app)} == to_item(app)
    assert (item["status"], item["name"], item["waitlist_position"], item["version"]) == ("confirmed", "Sam Jones",
                                                                                         None, 5)
    assert item["accessibility_needs"] == "Step-free access" and item["gsi2pk"] == "PERSON#p1@essex.example"
    assert stores.applications.find("a1") == app


def test_a_withdrawal_releases_the_persons_guard_so_they_may_apply_again(stores):
    stores.visits.create(visit(), VisitCreated(visit_id="v1"))
    app = application()
    stores.applications.submit(app, visit(), submitted(app))
    withdrawn = stores.applications.withdraw(app, ApplicationWithdrawn(
        visit_id="v1", application_id="a1", organisation="Essex Police", previous_status="submitted"),
        ("submitted",))

    assert withdrawn.status == "withdrawn" and stores.applications.find("a1").status == "withdrawn"
    again = application("a2", email="SAM@essex.example")
    stores.applications.submit(again, visit(), submitted(again))
    with pytest.raises(AlreadyApplied):
        third = application("a3")
        stores.applications.submit(third, visit(), submitted(third))
