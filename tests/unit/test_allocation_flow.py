"""Allocation end to end over the in-memory stores: fair places, offers, waiting list, confirmation,
expiry and promotion (the same flow over DynamoDB: tests/integration/test_allocation_race.py).

Events travel as in AWS: each state change's event, in the order written (what the table's stream
and the publisher do), is handed to the allocation function as an SQS message (what the rule and
queue do); due timers are fired by the sweep.
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from shared import clock
from shared.adapters.mailer import RecordingMailer
from shared.models.application import Application
from shared.models.events import ApplicationWithdrawn
from shared.models.visit import VisitFields
from shared import store
from shared.store import applications as application_items
from shared.services import applications, outbound, visits
from shared.topology import RULES
from tests.helpers import COORDINATOR, Context, call, envelope, member, sqs_event

NOW = datetime(2027, 1, 5, 17, 0, tzinfo=timezone.utc)       # applications close
STARTS = datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc)   # the visit
ALLOCATION_EVENTS = {t for r in RULES if r.function == "allocation" for t in r.detail_types}


class FixedClock:
    def __init__(self, now: datetime):
        self.moment = now

    def now(self) -> datetime:
        return self.moment


class Pipeline:
    """The stream → publisher → bus → rule → SQS → allocation function path, driven by the test."""

    def __init__(self, memory: store.Memory):
        from functions.allocation.handler import handler

        self.handler, self.memory = handler, memory
        self.published: list[tuple[str, dict]] = []

    def settle(self) -> None:
        """Deliver every event written so far (and what they cause) to the allocation function."""
        while events := self.memory.take_events():
            for event_id, event in events:
                detail = event.model_dump(mode="json")
                self.published.append((event.detail_type, detail))
                if event.detail_type not in ALLOCATION_EVENTS:
                    continue
                if event.detail_type == "TimerFired" and detail["kind"] not in ("applications_close", "offer_expiry"):
                    continue
                result = self.handler(sqs_event(envelope(event.detail_type, {**detail, "event_id": event_id})),
                                      Context())
                assert result == {"batchItemFailures": []}, detail

    def of_type(self, detail_type: str) -> list[dict]:
        return [d for t, d in self.published if t == detail_type]


@pytest.fixture
def world():
    fixed = FixedClock(NOW - timedelta(days=10))
    clock.use(fixed)
    mailer = RecordingMailer()
    outbound.use_mailer(mailer)
    stores = store.in_memory()
    store.use_at_entries(stores)  # the handlers these tests call
    try:
        yield World(fixed, mailer, stores)
    finally:
        store.use_at_entries(None)
        clock.use(clock.SystemClock())
        outbound.use_mailer(None)


class World:
    def __init__(self, fixed: FixedClock, mailer: RecordingMailer, stores: store.Stores):
        from functions.allocation.handler import handler

        self.clock, self.mailer, self.api, self.stores = fixed, mailer, handler, stores
        self.pipeline = Pipeline(stores.memory)
        self.minute = 0

    def at(self, moment: datetime) -> None:
        self.clock.moment = moment

    def visit(self, **changes) -> str:
        fields = {
            "title": "Staff wellbeing", "theme": "How to manage staff wellbeing and develop personal resilience",
            "host": {"organisation": "Lancashire Constabulary", "contact_name": "Pat Host",
                     "contact_email": "pat@lancs.example"},
            "venue": "Hutton HQ", "starts_at": STARTS, "capacity": 9, "applications_close_at": NOW,
            "prep_call_at": STARTS - timedelta(days=5), "prep_call_dial_in": "0800 111 2222 PIN 9", **changes}
        return visits.create(self.stores, VisitFields.model_validate(fields)).visit_id

    def apply(self, visit_id: str, organisation: str, count: int = 1) -> list[Application]:
        """`count` applications from `organisation`, each a minute after the one before."""
        made = []
        for _ in range(count):
            self.minute += 1
            slug = organisation.split()[0].lower()
            at = NOW - timedelta(days=5) + timedelta(minutes=self.minute)
            application = Application(
                application_id=uuid.uuid4().hex, visit_id=visit_id, organisation=organisation, status="submitted",
                name=f"{slug.title()} Visitor {self.minute}", email=f"visitor{self.minute}@{slug}.example",
                role="police", job_title="Inspector", motivation="To learn", questions=["How?"], prep_call="join",
                submitted_at=at, submitted_by=f"lead@{slug}.example", updated_at=at)
            # Stored as intake stores it (no receipt, no guard: what allocation reads).
            self.stores.memory.items["applications"][application.application_id] = application_items.to_item(
                application)
            made.append(application)
        return made

    def allocate(self, visit_id: str, claims: dict = COORDINATOR) -> tuple[int, dict]:
        answer = call(self.api, "POST", f"/visits/{visit_id}/allocation", "/visits/{visit_id}/allocation",
                      claims=claims, path_parameters={"visit_id": visit_id})
        self.pipeline.settle()
        return answer

    def allocation(self, visit_id: str, claims: dict = COORDINATOR) -> tuple[int, dict]:
        return call(self.api, "GET", f"/visits/{visit_id}/allocation", "/visits/{visit_id}/allocation",
                    claims=claims, path_parameters={"visit_id": visit_id})

    def confirm(self, application: Application, claims: dict | None | str = "applicant") -> tuple[int, dict]:
        claims = member(application.email, application.organisation) if claims == "applicant" else claims
        answer = call(self.api, "POST", f"/applications/{application.application_id}/confirm",
                      "/applications/{application_id}/confirm", claims=claims,
                      path_parameters={"application_id": application.application_id})
        self.pipeline.settle()
        return answer

    def withdraw(self, application_id: str) -> None:
        """What the intake function does on a withdrawal: the status change and its event, in one write."""
        current = applications.find(self.stores, application_id)
        applications.change(self.stores, current, ApplicationWithdrawn(
            visit_id=current.visit_id, application_id=application_id, organisation=current.organisation,
            previous_status=current.status), status="withdrawn")
        self.pipeline.settle()

    def sweep(self, moment: datetime) -> None:
        from functions.sweep.handler import handler as sweep

        self.at(moment)
        sweep({}, Context())
        self.pipeline.settle()

    def status(self, application: Application) -> str:
        return applications.find(self.stores, application.application_id).status


def organisations_of(allocation: dict) -> Counter:
    return Counter(entry["organisation"] for entry in allocation["allocated"])


def five_organisations(world: World, visit_id: str) -> dict[str, list[Application]]:
    return {org: world.apply(visit_id, org, count) for org, count in (
        ("Kent Police", 5), ("Essex Police", 3), ("Durham Constabulary", 2), ("The Open University", 2),
        ("Merseyside Police", 1))}


# --- fair places ------------------------------------------------------------------------------

def test_nine_places_go_to_four_organisations_in_pairs_and_the_lone_applicant_waits(world):
    visit_id = world.visit()
    five_organisations(world, visit_id)
    assert world.allocation(visit_id)[0] == 404
    world.at(NOW - timedelta(days=1))   # before the close time: the coordinator allocates early
    assert visits.find(world.stores, visit_id).status == "open"

    status, allocation = world.allocate(visit_id)

    assert status == 200 and allocation["visit_id"] == visit_id and allocation["capacity"] == 9
    places = organisations_of(allocation)
    assert sum(places.values()) == 9
    assert set(places) == {"Kent Police", "Essex Police", "Durham Constabulary", "The Open University"}
    assert all(count >= 2 for count in places.values())
    assert all(entry["status"] == "offered" for entry in allocation["allocated"])
    lone = next(w for w in allocation["waitlist"] if w["organisation"] == "Merseyside Police")
    assert lone["position"] >= 1 and "only one applicant" in lone["reason"]
    assert [w["position"] for w in allocation["waitlist"]] == list(range(1, len(allocation["waitlist"]) + 1))
    assert world.allocation(visit_id) == (200, allocation)
    assert visits.find(world.stores, visit_id).status == "allocated"      # applications were closed first

    _, again = world.allocate(visit_id)

    assert again == allocation                                              # a re-run changes no offer
    assert len(world.pipeline.of_type("ApplicationOffered")) == 9          # nobody offered twice
    assert len(world.pipeline.of_type("ApplicationWaitlisted")) == 4       # nothing changed, nothing told again
    assert world.stores.allocation.record(visit_id).runs == 2


def test_the_ledger_puts_organisations_with_fewer_earlier_places_first(world):
    earlier = world.visit()
    world.apply(earlier, "Kent Police", 2)
    world.allocate(earlier)
    later = world.visit(capacity=2, max_per_organisation=2)
    kent = world.apply(later, "Kent Police", 2)       # applied first, but had places before
    essex = world.apply(later, "Essex Police", 2)

    _, allocation = world.allocate(later)

    assert organisations_of(allocation) == {"Essex Police": 2}
    assert {w["application_id"] for w in allocation["waitlist"]} == {a.application_id for a in kent}
    assert all(world.status(a) == "offered" for a in essex)


# --- promotion --------------------------------------------------------------------------------

def test_a_withdrawn_place_goes_to_a_waitlisted_colleague_of_the_same_organisation(world):
    visit_id = world.visit()
    applied = five_organisations(world, visit_id)
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)
    essex = applied["Essex Police"]
    assert [world.status(a) for a in essex] == ["offered", "offered", "waitlisted"]
    world.at(NOW + timedelta(days=2))

    world.withdraw(essex[0].application_id)

    assert world.status(essex[2]) == "offered"
    _, allocation = world.allocation(visit_id)
    assert organisations_of(allocation)["Essex Police"] == 2 and len(allocation["allocated"]) == 9
    promoted = world.pipeline.of_type("ApplicationOffered")[-1]
    assert promoted["application_id"] == essex[2].application_id and promoted["promotion"] is True
    assert clock.parse(promoted["offer_expires_at"]) == NOW + timedelta(days=9)   # its own 7 days
    waitlist_notice, offer = world.mailer.to(essex[2].email)
    assert waitlist_notice.attachments == ()
    assert "place has come free" in offer.text           # a promotion says so
    assert "place has come free" not in world.mailer.to(essex[1].email)[0].text
    assert f"UID:visit-{visit_id}-{essex[2].application_id}@" in offer.attachments[0].content


def test_an_unconfirmed_offer_expires_after_seven_days_and_the_place_is_offered_again(world):
    visit_id = world.visit()
    applied = five_organisations(world, visit_id)
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)
    kent = applied["Kent Police"]
    for application in kent[:3] + applied["Essex Police"][:2] + applied["Durham Constabulary"] \
            + applied["The Open University"][1:]:
        assert world.confirm(application)[0] == 200
    lapsing = applied["The Open University"][0]

    world.sweep(NOW + timedelta(days=6, hours=23))
    assert world.status(lapsing) == "offered"
    world.sweep(NOW + timedelta(days=7, hours=1))

    assert world.status(lapsing) == "expired"
    assert len(world.pipeline.of_type("ApplicationExpired")) == 1
    [expired_notice] = [e for e in world.mailer.to(lapsing.email) if "METHOD:CANCEL" in
                        "".join(a.content for a in e.attachments)]
    assert f"visit-{visit_id}-{lapsing.application_id}@peer-learning-visits" in expired_notice.attachments[0].content
    # The University is left with one place: its minimum is restored first if it can be; it cannot
    # (no colleague waiting), so the place goes down the waiting list to Kent's next applicant.
    _, allocation = world.allocation(visit_id)
    assert len(allocation["allocated"]) == 9
    assert world.status(kent[3]) == "offered"
    assert world.confirm(lapsing)[0] == 409


def test_an_offer_made_part_way_through_a_second_lapses_at_the_first_sweep_from_its_deadline(world):
    """Allocated at 18:00:00.48, the offer lapses at the sweep on the hour of its deadline a week later,
    not an hour after (nor never: a timer stamped to the second once fired before the deadline it checks)."""
    visit_id = world.visit()
    lapsing, _ = world.apply(visit_id, "Kent Police", 2)  # a pair: a lone applicant would wait
    world.at(NOW + timedelta(hours=1, microseconds=480_149))
    world.allocate(visit_id)
    offered = applications.find(world.stores, lapsing.application_id)
    assert offered.offer_expires_at == NOW + timedelta(days=7, hours=1)  # whole seconds, as the email says

    world.sweep(NOW + timedelta(days=7, hours=1))

    assert world.status(lapsing) == "expired"


# --- confirming ----------------------------------------------------------------------------------

def test_confirming_twice_answers_confirmed_with_one_event_and_after_expiry_is_refused(world):
    visit_id = world.visit()
    kent = world.apply(visit_id, "Kent Police", 2)
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)

    first = world.confirm(kent[0])
    second = world.confirm(kent[0], claims=member(kent[0].submitted_by, "Kent Police"))   # the submitting member

    assert first[0] == second[0] == 200
    assert first[1]["status"] == second[1]["status"] == "confirmed"
    assert len(world.pipeline.of_type("ApplicationConfirmed")) == 1
    world.at(NOW + timedelta(days=8))   # past the deadline, before the expiry timer ran
    status, body = world.confirm(kent[1])
    assert status == 409 and body["message"] == "the offer is no longer open"
    assert world.status(kent[1]) == "offered"


def test_confirm_is_for_the_applicant_and_their_member_only(world):
    visit_id = world.visit()
    kent = world.apply(visit_id, "Kent Police", 2)
    world.at(NOW + timedelta(hours=1))

    assert world.allocate(visit_id, claims=member("lead@kent.example", "Kent Police"))[0] == 403
    assert world.allocation(visit_id, claims=member("lead@kent.example", "Kent Police"))[0] == 403
    world.allocate(visit_id)
    assert world.confirm(kent[0], claims=member("someone@essex.example", "Essex Police"))[0] == 403
    assert world.confirm(kent[0], claims=COORDINATOR)[0] == 403
    assert world.confirm(kent[0], claims=None)[0] == 401
    assert world.status(kent[0]) == "offered"


def test_confirming_a_waitlisted_application_is_a_conflict(world):
    visit_id = world.visit()
    [lone] = world.apply(visit_id, "Merseyside Police")
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)
    status, body = world.confirm(lone)
    assert status == 409 and body["message"] == "the offer is no longer open"


# --- emails -----------------------------------------------------------------------------------------

def test_the_offer_email_carries_the_visit_event_and_a_working_confirm_link(world):
    from functions.visits.handler import handler as visits_api

    visit_id = world.visit()
    kent = world.apply(visit_id, "Kent Police", 2)
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)
    world.pipeline.settle()   # a redelivered event sends nothing twice

    [offer] = world.mailer.to(kent[0].email)
    assert offer.to == (kent[0].email,)
    [ics] = offer.attachments
    assert ics.filename.endswith(".ics") and "text/calendar" in ics.content_type
    assert f"UID:visit-{visit_id}-{kent[0].application_id}@peer-learning-visits" in ics.content
    # 3 x the date's version; TENTATIVE until confirmed, and no reply asked for
    assert "METHOD:REQUEST" in ics.content and "SEQUENCE:3" in ics.content and "STATUS:TENTATIVE" in ics.content
    assert "RSVP=FALSE" in ics.content and "RSVP=TRUE" not in ics.content
    assert "Hutton HQ" in offer.text and "Tuesday 19 January 2027" in offer.text   # where and when, London time
    assert "Tuesday 12 January 2027, 18:00 GMT" in offer.text                         # the deadline
    assert "Preparation call: Thursday 14 January 2027, 10:00 GMT" in offer.text      # the call is set
    described = {}
    for token in _link_tokens(offer.text):
        status, link = call(visits_api, "GET", f"/links/{token}", "/links/{token}", path_parameters={"token": token})
        assert status == 200 and token in offer.html
        described[link["action"]] = token
    assert set(described) == {"confirm", "withdraw"}
    confirm_token = described["confirm"]
    status, answer = call(visits_api, "POST", f"/links/{confirm_token}", "/links/{token}", {},
                          path_parameters={"token": confirm_token})
    assert status == 200 and answer["status"] == "confirmed"


def _link_tokens(text: str) -> list[str]:
    return [word.rstrip(".,)>").rsplit("/links/", 1)[1] for word in text.split() if "/links/" in word]


def test_the_waiting_list_notice_gives_the_position_and_reason_and_no_calendar_event(world):
    visit_id = world.visit()
    five_organisations(world, visit_id)
    world.at(NOW + timedelta(hours=1))
    _, allocation = world.allocate(visit_id)
    lone = next(w for w in allocation["waitlist"] if w["organisation"] == "Merseyside Police")
    email_address = applications.find(world.stores, lone["application_id"]).email

    [notice] = world.mailer.to(email_address)

    assert "waiting list" in notice.text.lower() and "waiting list" in notice.html.lower()
    assert str(lone["position"]) in notice.text
    assert "only one applicant" in notice.text
    assert notice.attachments == ()


def test_a_visit_with_no_date_offers_without_a_calendar_event(world):
    visit_id = world.visit(starts_at=None, prep_call_at=None, prep_call_dial_in=None)
    kent = world.apply(visit_id, "Kent Police", 2)
    world.at(NOW + timedelta(hours=1))
    world.allocate(visit_id)

    [offer] = world.mailer.to(kent[0].email)
    assert offer.attachments == ()
    assert applications.find(world.stores, kent[0].application_id).offer_expires_at == NOW + timedelta(hours=1, days=7)


# --- timers and limits --------------------------------------------------------------------------------

def test_applications_close_by_themselves_and_a_stale_close_timer_does_nothing(world):
    visit_id = world.visit()
    kent = world.apply(visit_id, "Kent Police", 2)
    later = NOW + timedelta(days=2)
    visits.patch(world.stores, visit_id, {"applications_close_at": clock.iso(later)})

    world.sweep(NOW + timedelta(minutes=30))     # the timer for the old close time
    assert visits.find(world.stores, visit_id).status == "open" and world.status(kent[0]) == "submitted"
    world.sweep(later + timedelta(minutes=30))

    assert visits.find(world.stores, visit_id).status == "allocated"
    assert world.status(kent[0]) == world.status(kent[1]) == "offered"
    assert applications.find(world.stores, kent[0].application_id).offer_expires_at == later + timedelta(minutes=30,
                                                                                                         days=7)


def test_an_allocation_cut_short_after_its_offers_is_finished_when_its_timer_event_comes_again(world, monkeypatch):
    from shared.models.events import TimerFired
    from shared.services import allocation

    visit_id = world.visit(capacity=2, max_per_organisation=2)
    kent = world.apply(visit_id, "Kent Police", 3)
    fired = TimerFired(kind="applications_close", timer_id=f"close#{visit_id}", due_at=clock.iso(NOW),
                       visit_id=visit_id)
    world.at(NOW + timedelta(minutes=30))
    writes = world.stores.applications.change_each

    def cut_short(*args, **kwargs):
        raise TimeoutError("the function ran out of time before the waiting list was written")

    monkeypatch.setattr(world.stores.applications, "change_each", cut_short)
    with pytest.raises(TimeoutError):
        allocation.on_applications_close(world.stores, fired)
    assert visits.find(world.stores, visit_id).status == "closed"
    assert [world.status(a) for a in kent] == ["offered", "offered", "submitted"]

    monkeypatch.setattr(world.stores.applications, "change_each", writes)
    allocation.on_applications_close(world.stores, fired)  # SQS delivers the event again

    assert visits.find(world.stores, visit_id).status == "allocated"
    assert [world.status(a) for a in kent] == ["offered", "offered", "waitlisted"]


def test_a_place_given_back_while_the_first_allocation_is_still_writing_is_filled_after_it(world, monkeypatch):
    """The withdrawal's reaction runs while the first run is between its offers and its record (another
    consumer, at once): it must not take the visit for never allocated; it waits for the run (here the
    lease is held too long: 409, and SQS delivers the event again), then fills the place."""
    from shared.errors import Conflict
    from shared.services import allocation, offers

    visit_id = world.visit(capacity=2, max_per_organisation=2)
    kent = world.apply(visit_id, "Kent Police", 3)
    world.at(NOW + timedelta(minutes=30))
    monkeypatch.setattr(allocation, "LEASE_WAIT_SECONDS", 0.05)
    writes, given_back = world.stores.applications.change_each, []

    def withdrawn_meanwhile(*args, **kwargs):
        if not given_back:
            holder = applications.find(world.stores, kent[0].application_id)
            event = ApplicationWithdrawn(visit_id=visit_id, application_id=holder.application_id,
                                         organisation=holder.organisation, previous_status=holder.status)
            applications.change(world.stores, holder, event, status="withdrawn")
            with pytest.raises(Conflict):  # not taken for done: the first run holds the lease
                offers.on_withdrawn(world.stores, event)
            given_back.append(event)
        return writes(*args, **kwargs)

    monkeypatch.setattr(world.stores.applications, "change_each", withdrawn_meanwhile)
    assert world.allocate(visit_id)[0] == 200  # its events then delivered, the withdrawal's again among them
    assert given_back and [world.status(a) for a in kent] == ["withdrawn", "offered", "offered"]


def test_a_promotion_moves_those_still_waiting_up_and_tells_no_one_again(world):
    visit_id = world.visit(capacity=2, max_per_organisation=2)
    kent = world.apply(visit_id, "Kent Police", 5)
    world.at(NOW + timedelta(minutes=30))
    world.allocate(visit_id)
    told = [e.subject for e in world.mailer.sent]
    assert [(e["first"], e["position"]) for e in world.pipeline.of_type("ApplicationWaitlisted")] == [
        (True, 1), (True, 2), (True, 3)]

    world.withdraw(kent[0].application_id)

    assert [world.status(a) for a in kent] == ["withdrawn", "offered", "offered", "waitlisted", "waitlisted"]
    assert [applications.find(world.stores, a.application_id).waitlist_position for a in kent[3:]] == [1, 2]
    moved = world.pipeline.of_type("ApplicationWaitlisted")[3:]
    assert [(e["application_id"], e["first"], e["position"]) for e in moved] == [
        (kent[3].application_id, False, 1), (kent[4].application_id, False, 2)]
    new = [e.subject for e in world.mailer.sent[len(told):]]
    assert new and not any("waiting list" in subject.lower() for subject in new), new  # the offer only


def test_no_promotion_within_two_days_of_the_visit_and_nothing_for_a_cancelled_visit(world):
    visit_id = world.visit(capacity=2, max_per_organisation=2)
    kent = world.apply(visit_id, "Kent Police", 3)
    world.at(STARTS - timedelta(days=6))
    world.allocate(visit_id)
    assert world.status(kent[2]) == "waitlisted"
    assert applications.find(world.stores, kent[0].application_id).offer_expires_at == STARTS - timedelta(days=2)
    world.at(STARTS - timedelta(days=1))

    world.withdraw(kent[0].application_id)

    assert world.status(kent[2]) == "waitlisted"
    other = world.visit()
    world.apply(other, "Kent Police", 2)
    visits.cancel(world.stores, other)
    status, body = world.allocate(other)
    assert status == 409 and body["message"]
    assert world.stores.allocation.record(other) is None


def test_a_second_allocation_waits_for_the_first_and_gives_up_with_a_conflict(world, monkeypatch):
    from shared.services import allocation

    visit_id = world.visit()
    world.apply(visit_id, "Kent Police", 2)
    monkeypatch.setattr(allocation, "LEASE_WAIT_SECONDS", 0.3)
    with allocation.lease(world.stores, visit_id):          # another run is in progress
        status, body = world.allocate(visit_id)
    assert status == 409 and "already running" in body["message"]
    assert visits.find(world.stores, visit_id).status == "open"
    assert world.allocate(visit_id)[0] == 200  # released: the next one runs


# --- races: a withdrawal or a capacity change lands between the decision and its offers ---------

def interleave(monkeypatch, action) -> None:
    """Run `action(decision)` once, right after the allocation rule decided and before any offer is written."""
    from shared.services import allocation as service

    rule, done = service.allocate, []

    def deciding_then_racing(*args, **kwargs):
        decision = rule(*args, **kwargs)
        if not done:
            done.append(True)
            action(decision)
        return decision

    monkeypatch.setattr(service, "allocate", deciding_then_racing)


def test_a_withdrawal_during_the_run_never_leaves_an_organisation_one_place(world, monkeypatch):
    visit_id = world.visit(capacity=6)
    kent = world.apply(visit_id, "Kent Police", 3)
    world.apply(visit_id, "Essex Police", 2)
    world.apply(visit_id, "Durham Constabulary", 2)

    def withdraw_an_offered_colleague(decision):
        assert kent[0].application_id in decision.offers
        applications.change(world.stores, applications.find(world.stores, kent[0].application_id), None,
                            status="withdrawn")

    interleave(monkeypatch, withdraw_an_offered_colleague)
    status, allocated = world.allocate(visit_id)

    assert status == 200
    held = Counter(a["organisation"] for a in allocated["allocated"])
    assert held["Kent Police"] in (0, 2, 3, 4), held  # the pairs rule: never one place
    assert [world.status(a) for a in kent] == ["withdrawn", "offered", "offered"]


def test_a_capacity_change_during_the_run_is_never_exceeded(world, monkeypatch):
    visit_id = world.visit(capacity=10)
    for organisation in ("Kent Police", "Essex Police", "Durham Constabulary", "Dorset Police", "Gwent Police"):
        world.apply(visit_id, organisation, 2)

    interleave(monkeypatch, lambda decision: visits.patch(world.stores, visit_id, {"capacity": 4}))
    status, allocated = world.allocate(visit_id)

    assert status == 200
    assert visits.find(world.stores, visit_id).capacity == 4
    assert len(allocated["allocated"]) == 4 == allocated["capacity"]
