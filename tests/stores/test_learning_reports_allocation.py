"""Learning points, reflections, the report, hidden points and allocation's bookkeeping:
the same answers from DynamoDB and from memory."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from shared.errors import Conflict
from shared.models.events import LearningPointsSubmitted, ReflectionRecorded, ReportPublished, SummaryPointHidden
from shared.store.allocation import AllocationRecord, LedgerLine
from shared.store.learning import LearningPoints, Reflection
from shared.store.reports import HiddenPoint, HiddenPoints

T0 = datetime(2027, 3, 2, 9, 0, tzinfo=timezone.utc)
VISIT = SimpleNamespace(starts_at=T0 - timedelta(days=1), ends_at=T0 - timedelta(days=1) + timedelta(hours=6))
POINTS_EVENT = LearningPointsSubmitted(visit_id="v1", application_id="a1", organisation="Essex Police")


def points(**changes) -> LearningPoints:
    return LearningPoints(**{"application_id": "a1", "visit_id": "v1", "organisation": "Essex Police",
                             "points": ["Huddles work"], "will_adopt": "Huddles", "submitted_at": T0, **changes})


def test_points_are_replaced_by_a_resubmission_and_closed_once_the_report_is_claimed(stores):
    stores.learning.submit_points(points(), VISIT, POINTS_EVENT)
    stores.learning.submit_points(points(points=["Briefings"], public=False), VISIT, POINTS_EVENT)
    assert stores.learning.points_of("a1") == points(points=["Briefings"], public=False)
    assert stores.learning.points_of("a2") is None
    claim = stores.reports.claim("v1", occasion="date1", claimed_at=T0, visit=VISIT)
    assert claim.status == "assembling" and not claim.published
    with pytest.raises(Conflict):
        stores.learning.submit_points(points(points=["Too late"]), VISIT, POINTS_EVENT)
    assert stores.learning.points_of("a1").points == ["Briefings"]


def test_reflections_one_per_week_in_week_order(stores):
    for week, text in ((2, "Second"), (1, "First"), (2, "Second, again")):
        reflection = Reflection(application_id="a1", visit_id="v1", organisation="Essex Police", week=week,
                                text=text, recorded_at=T0 + timedelta(days=7 * week))
        stores.learning.record_reflection(reflection, VISIT, ReflectionRecorded(
            visit_id="v1", application_id="a1", organisation="Essex Police", week=week))
    assert [(r.week, r.text) for r in stores.learning.reflections_of("a1")] == [(1, "First"), (2, "Second, again")]
    assert stores.learning.reflections_of("a2") == []


def test_the_report_is_claimed_once_published_once_and_republished_from_the_version_read(stores):
    first = stores.reports.claim("v1", occasion="date1", claimed_at=T0, visit=VISIT)
    second = stores.reports.claim("v1", occasion="date2", claimed_at=T0 + timedelta(hours=1), visit=VISIT)
    assert second == first and second.occasion == "date1"
    published = dict(documents={"report_html": "reports/v1/v1/report.html"}, assembled_at=T0,
                     published_at=T0 + timedelta(minutes=1), visitors=3, organisations=2,
                     event=ReportPublished(visit_id="v1", report_key="reports/v1/v1/report.html"))
    assert stores.reports.publish("v1", **published)
    assert not stores.reports.publish("v1", **published)
    report = stores.reports.find("v1")
    assert report.published and report.doc_version == 1 and report.visitors == 3 and report.claimed_at == T0
    again = dict(documents={"report_html": "reports/v1/v2/report.html"}, published_at=T0 + timedelta(days=1),
                 event=ReportPublished(visit_id="v1", report_key="reports/v1/v2/report.html"))
    assert stores.reports.republish("v1", from_version=1, **again)
    assert not stores.reports.republish("v1", from_version=1, **again)
    assert stores.reports.find("v1").doc_version == 2
    assert stores.reports.find("v1").documents == {"report_html": "reports/v1/v2/report.html"}
    assert stores.reports.find("v2") is None


def test_hidden_points_change_only_from_the_version_read(stores):
    none = stores.reports.hidden("v1")
    assert none == HiddenPoints(visit_id="v1")
    point = HiddenPoint(application_id="a1", index=0, text="Huddles work")
    event = SummaryPointHidden(visit_id="v1", application_id="a1", index=0)
    stores.reports.save_hidden(none.model_copy(update={"points": [point]}), VISIT, event)
    with pytest.raises(Conflict):
        stores.reports.save_hidden(none.model_copy(update={"points": [point]}), VISIT, event)
    assert stores.reports.hidden("v1") == HiddenPoints(visit_id="v1", points=[point], version=1)


def test_the_lease_is_held_by_one_until_released_or_lapsed(stores):
    allocation = stores.allocation
    assert allocation.take_lease("v1", "allocation", holder="h1", now_ms=1000, held_until_ms=76_000)
    assert not allocation.take_lease("v1", "allocation", holder="h2", now_ms=2000, held_until_ms=77_000)
    assert allocation.take_lease("v2", "allocation", holder="h2", now_ms=2000, held_until_ms=77_000)
    assert not allocation.release_lease("v1", "allocation", holder="h2")
    assert allocation.release_lease("v1", "allocation", holder="h1")
    assert allocation.take_lease("v1", "allocation", holder="h2", now_ms=3000, held_until_ms=78_000)
    assert allocation.take_lease("v1", "allocation", holder="h3", now_ms=78_001, held_until_ms=150_000)  # lapsed


def test_the_record_of_runs_and_the_ledger(stores):
    assert stores.allocation.record("v1") is None
    record = AllocationRecord(visit_id="v1", first_ran_at=T0, ran_at=T0 + timedelta(hours=1), runs=2)
    stores.allocation.save_record(record)
    assert stores.allocation.record("v1") == record
    for key, visit_id, places in (("kent police", "v2", 2), ("essex police", "v1", 3), ("kent police", "v1", 2),
                                  ("essex police", "v1", 4)):
        stores.allocation.save_line(LedgerLine(organisation_key=key, organisation=key.title(), visit_id=visit_id,
                                               places=places, updated_at=T0))
    assert [(line.organisation_key, line.visit_id, line.places) for line in stores.allocation.ledger()] == [
        ("essex police", "v1", 4), ("kent police", "v1", 2), ("kent police", "v2", 2)]
    stores.allocation.save_lines([LedgerLine(organisation_key=key, organisation=key.title(), visit_id="v3",
                                             places=places, updated_at=T0)
                                  for key, places in (("kent police", 2), ("dorset police", 3))])
    assert [(line.organisation_key, line.visit_id, line.places) for line in stores.allocation.ledger()] == [
        ("dorset police", "v3", 3), ("essex police", "v1", 4), ("kent police", "v1", 2), ("kent police", "v2", 2),
        ("kent police", "v3", 2)]
