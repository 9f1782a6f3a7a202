"""The fairness ledger's chart and table: what a coordinator reads, with or without the picture."""
import xml.etree.ElementTree as ET

from shared.domain.ledger_chart import LedgerLine, svg, tabulate

SVG = "{http://www.w3.org/2000/svg}"


def lines():
    return [LedgerLine("Kent Police", "v1", 2), LedgerLine("Essex Police", "v1", 3),
            LedgerLine("kent police", "v2", 2), LedgerLine("Open University", "v2", 1)]


def test_table_counts_places_per_organisation_and_visit_fewest_first():
    table = tabulate(lines(), ["v1", "v2"])
    assert table.visits == ("v1", "v2")
    assert [(r.organisation, r.per_visit, r.total) for r in table.rows] == [
        ("Open University", (0, 1), 1), ("Essex Police", (3, 0), 3), ("Kent Police", (2, 2), 4)]


def test_visits_not_in_the_given_order_come_last():
    table = tabulate([LedgerLine("A", "zz", 1), LedgerLine("A", "v1", 1)], ["v1"])
    assert table.visits == ("v1", "zz")


def test_chart_is_labelled_svg_with_one_segment_per_visit_and_bars_to_scale():
    chart = svg(tabulate(lines(), ["v1", "v2"]), visit_names={"v1": "Visit one", "v2": "Visit two"})
    root = ET.fromstring(chart)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Places per organisation across the programme"
    assert "Kent Police: 4 places" in root.find(f"{SVG}desc").text
    rects = root.findall(f"{SVG}rect")
    assert [r.find(f"{SVG}title").text for r in rects] == [
        "Open University, Visit two: 1", "Essex Police, Visit one: 3", "Kent Police, Visit one: 2",
        "Kent Police, Visit two: 2"]
    widths = [float(r.get("width")) + 2 for r in rects]   # 2: the gap between segments
    assert widths[1] == 3 * widths[0]
    assert widths[2] + widths[3] == 4 * widths[0]


def test_names_are_escaped_and_an_empty_ledger_says_so():
    chart = svg(tabulate([LedgerLine("<Ops & Co>", "v1", 1)], ["v1"]))
    assert "&lt;Ops &amp; Co&gt;" in chart and "<Ops" not in chart
    empty = ET.fromstring(svg(tabulate([], [])))
    assert empty.find(f"{SVG}desc").text == "No places have been given yet."
    assert empty.findall(f"{SVG}rect") == []
