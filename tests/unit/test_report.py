"""The report as pure code: what the host, the coordinators and the public each get to see."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from shared.domain import report
from shared.domain.report import Contribution, HiddenPoint, ReportVisit, Visitor

ASSEMBLED = datetime(2027, 2, 2, 10, 0, tzinfo=timezone.utc)
VISIT = ReportVisit(visit_id="v1", title="Staff wellbeing", theme="How to manage staff wellbeing",
                    host_organisation="Lancashire Constabulary", host_contact_name="Hana Host",
                    host_contact_email="hana.host@lancashire.example", venue="Hutton HQ",
                    starts_at=datetime(2027, 1, 19, 10, 0, tzinfo=timezone.utc),
                    ends_at=datetime(2027, 1, 19, 16, 0, tzinfo=timezone.utc))


def visitor(aid: str, name: str, organisation: str, questions=("How do you run huddles?",)) -> Visitor:
    email = name.lower().replace(" ", ".") + "@" + organisation.split()[0].lower() + ".example"
    return Visitor(application_id=aid, name=name, email=email, organisation=organisation, role="police",
                   job_title="Inspector", questions=list(questions))


def contribution(aid: str, *points: str, public: bool = True, will_adopt: str | None = None) -> Contribution:
    return Contribution(application_id=aid, points=list(points), public=public, will_adopt=will_adopt,
                        submitted_at=datetime(2027, 1, 21, tzinfo=timezone.utc))


VISITORS = [
    visitor("a1", "Kim Kent", "Kent Police", ["What does a wellbeing champion do?"]),
    visitor("a2", "Kit Kent", "kent police", ["How is TRiM organised?"]),
    visitor("a3", "Orla Open", "The Open University"),
]
CONTRIBUTIONS = [
    contribution("a1", "Peer supporters <b>need</b> protected time", "Debriefs after every major incident",
                 will_adopt="A rota of trained peer supporters"),
    contribution("a2", "Only for my own force", public=False),
    contribution("a3", "Wellbeing data belongs on the performance board"),
]


def sample() -> report.Report:
    return report.assemble(VISIT, VISITORS, CONTRIBUTIONS, ASSEMBLED)


def test_organisations_are_counted_case_insensitively():
    assert report.organisations(sample()) == [("Kent Police", 2), ("The Open University", 1)]


def test_the_hosts_report_lists_points_together_so_no_one_s_can_be_told_apart():
    # The Open University's lone visitor: grouped by organisation, their points would be theirs.
    html, text = report.render_host_report(sample())

    assert report.all_points(sample()) == ["Debriefs after every major incident", "Only for my own force",
                                           "Peer supporters <b>need</b> protected time",
                                           "Wellbeing data belongs on the performance board"]
    assert "3 of the 3 visitors sent their key learning points" in text
    lines = [line.strip() for line in text.splitlines()]
    points = lines[lines.index("WHAT THE VISITORS LEARNT") + 4:][:4]
    assert points == [f"- {p}" for p in report.all_points(sample())]
    assert "The Open University" not in text.split("WHAT THE VISITORS LEARNT")[1]
    assert "The Open University" not in html.split("What the visitors learnt")[1]


def test_only_visitors_who_sent_points_are_counted_as_having_sent_them():
    quiet = report.assemble(VISIT, VISITORS, CONTRIBUTIONS[:1], ASSEMBLED)

    assert [v.name for v in report.contributors(quiet)] == ["Kim Kent"]
    assert "1 of the 3 visitors sent their key learning points" in report.render_host_report(quiet)[1]


def test_the_rendered_report_shows_markup_as_text_and_the_date_in_london():
    html, text = report.render_host_report(sample())
    assert "Peer supporters &lt;b&gt;need&lt;/b&gt; protected time" in html
    assert "<b>need</b>" not in html
    assert "Peer supporters <b>need</b> protected time" in text
    for rendered in (html, text):
        assert "Tuesday 19 January 2027" in rendered
        assert "Kent Police" in rendered and "How is TRiM organised?" in rendered
        assert "A rota of trained peer supporters" in rendered
    assert "@media print" in html


def test_the_hosts_report_names_no_visitor():
    html, text = report.render_host_report(sample())
    for person in VISITORS:
        assert person.name not in html and person.name not in text
        assert person.email not in html and person.email not in text


def test_the_public_summary_has_counts_and_public_points_but_no_personal_data():
    summary = report.public_summary(sample())
    assert summary["visitors"] == 3 and summary["organisations"] == 2
    assert summary["visit"]["host"] == {"organisation": "Lancashire Constabulary"}
    assert summary["visit"]["date"] == "2027-01-19"
    assert sorted(summary["learning_points"]) == sorted([
        "Peer supporters <b>need</b> protected time", "Debriefs after every major incident",
        "Wellbeing data belongs on the performance board"])
    published = json.dumps(summary)
    for person in VISITORS:
        assert person.name not in published and person.email not in published
    assert "Kent Police" not in published and "Open University" not in published
    assert "hana.host" not in published and "Hana Host" not in published
    assert "Only for my own force" not in published


def test_the_public_summary_order_does_not_follow_the_authors():
    points = report.public_summary(sample())["learning_points"]
    assert points == sorted(points, key=str.casefold)


def test_a_hidden_point_leaves_the_summary_but_stays_in_the_coordinators_view():
    hidden = [HiddenPoint("a1", 1, "Debriefs after every major incident")]
    summary = report.public_summary(sample(), hidden)
    assert "Debriefs after every major incident" not in summary["learning_points"]
    assert "Peer supporters <b>need</b> protected time" in summary["learning_points"]
    view = report.coordinator_view(sample(), hidden)
    debrief = next(p for p in view["points"] if p["text"] == "Debriefs after every major incident")
    assert debrief == {"application_id": "a1", "name": "Kim Kent", "email": "kim.kent@kent.example",
                       "organisation": "Kent Police", "index": 1, "text": "Debriefs after every major incident",
                       "public": True, "hidden": True, "published": False}


def test_the_public_summary_page_escapes_markup():
    page = report.render_public_summary(report.public_summary(sample()))
    assert "Peer supporters &lt;b&gt;need&lt;/b&gt; protected time" in page
    assert "Kim Kent" not in page


def test_the_coordinators_view_is_attributed():
    view = report.coordinator_view(sample())
    assert [v["name"] for v in view["visitors"]] == ["Kim Kent", "Kit Kent", "Orla Open"]
    assert view["visit"]["host"]["contact_email"] == "hana.host@lancashire.example"
    assert view["organisations"] == [{"organisation": "Kent Police", "visitors": 2},
                                     {"organisation": "The Open University", "visitors": 1}]
    assert view["will_adopt"] == [{"application_id": "a1", "name": "Kim Kent", "email": "kim.kent@kent.example",
                                   "organisation": "Kent Police", "text": "A rota of trained peer supporters"}]
    private = next(p for p in view["points"] if p["text"] == "Only for my own force")
    assert private["public"] is False and private["published"] is False


def test_only_the_visitors_own_contributions_are_kept():
    stray = contribution("someone-else", "Not a visitor of this visit")
    assembled = report.assemble(VISIT, VISITORS, [*CONTRIBUTIONS, stray], ASSEMBLED)
    assert "Not a visitor of this visit" not in report.all_points(assembled)


def test_all_answered_needs_every_confirmed_visitor_and_stops_at_the_first_who_has_not():
    asked: list[str] = []

    def answered_of(*who: str):
        def has_answered(visitor: str) -> bool:
            asked.append(visitor)
            return visitor in who
        return has_answered

    assert report.all_answered(["a1", "a2", "a1"], answered_of("a2", "a1"))
    assert asked == ["a1", "a2"]
    asked.clear()
    assert not report.all_answered(["a3", "a1", "a2"], answered_of("a1", "a2"))
    assert asked == ["a3"]
    assert not report.all_answered([], answered_of())


def test_a_report_with_no_points_and_no_date_still_renders():
    undated = VISIT.model_copy(update={"starts_at": None, "ends_at": None})
    empty = report.assemble(undated, [], [], ASSEMBLED)
    html, text = report.render_host_report(empty)
    assert "to be confirmed" in text and "No visitors were confirmed" in html
    assert report.public_summary(empty)["learning_points"] == []


def test_the_snapshot_survives_a_round_trip_through_json():
    assembled = sample()
    assert report.Report.model_validate_json(assembled.model_dump_json()) == assembled
