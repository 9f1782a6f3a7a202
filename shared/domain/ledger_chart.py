"""The fairness ledger as a picture: places per organisation across the programme, drawn as SVG.

Pure: lines of the ledger in, one SVG document (text) and the rows of the table shown beside it
out. The chart is a horizontal bar per organisation (fewest places first, as allocation sees
priority), each bar split into one segment per visit; the table carries the same numbers for
anyone who cannot see the picture (the SVG is labelled and points to the table).
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Segment fills alternate between two blues, each at least 3:1 against the white page (WCAG
# 1.4.11); a white gap separates segments so neither colour alone carries meaning.
FILLS = ("#1d4f91", "#3d7cc9")
TEXT = "#1b1b1b"
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_WIDTH = 160
BAR_AREA = 240
NUMBER_WIDTH = 40
TOP = 8


@dataclass(frozen=True)
class LedgerLine:
    organisation: str
    visit_id: str
    places: int


@dataclass(frozen=True)
class OrganisationRow:
    organisation: str
    per_visit: tuple[int, ...]      # in the order of `visits`
    total: int


@dataclass(frozen=True)
class LedgerTable:
    visits: tuple[str, ...]         # visit ids, in the order given
    rows: tuple[OrganisationRow, ...]


def tabulate(lines: list[LedgerLine], visit_order: list[str]) -> LedgerTable:
    """Places per organisation and visit; organisations with fewest places first (then by name),
    visits in `visit_order` (others after, by id); organisations spelled as first seen, compared
    case-insensitively."""
    names: dict[str, str] = {}
    places: dict[tuple[str, str], int] = {}
    seen_visits = set()
    for line in lines:
        key = line.organisation.casefold()
        names.setdefault(key, line.organisation)
        places[(key, line.visit_id)] = places.get((key, line.visit_id), 0) + line.places
        seen_visits.add(line.visit_id)
    visits = [v for v in visit_order if v in seen_visits] + sorted(seen_visits - set(visit_order))
    rows = []
    for key, name in names.items():
        per_visit = tuple(places.get((key, v), 0) for v in visits)
        rows.append(OrganisationRow(name, per_visit, sum(per_visit)))
    rows.sort(key=lambda r: (r.total, r.organisation.casefold()))
    return LedgerTable(tuple(visits), tuple(rows))


def _label(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def svg(table: LedgerTable, *, title: str = "Places per organisation across the programme",
        table_id: str = "ledger-table", visit_names: dict[str, str] | None = None) -> str:
    """The chart as an inline SVG element (no script, no external reference)."""
    visit_names = visit_names or {}
    most = max((r.total for r in table.rows), default=0)
    scale = BAR_AREA / most if most else 0
    width = LABEL_WIDTH + BAR_AREA + NUMBER_WIDTH
    height = TOP * 2 + ROW_HEIGHT * max(len(table.rows), 1)
    description = ("No places have been given yet." if not table.rows else
                   "; ".join(f"{r.organisation}: {r.total} place{'s' if r.total != 1 else ''}"
                             for r in table.rows) + ". The same numbers, per visit, are in the table.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ledger-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="ledger-chart-title ledger-chart-desc" '
        f'aria-details={quoteattr(table_id)} preserveAspectRatio="xMinYMin meet">',
        f'<title id="ledger-chart-title">{escape(title)}</title>',
        f'<desc id="ledger-chart-desc">{escape(description)}</desc>',
    ]
    for index, row in enumerate(table.rows):
        y = TOP + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{TEXT}" font-size="14">{escape(_label(row.organisation))}</text>')
        x = float(LABEL_WIDTH)
        for segment, (visit_id, count) in enumerate(zip(table.visits, row.per_visit)):
            if not count:
                continue
            length = count * scale
            name = visit_names.get(visit_id, visit_id)
            parts.append(
                f'<rect x="{x:.1f}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{max(length - 2, 1):.1f}" '
                f'height="{BAR_HEIGHT}" fill="{FILLS[segment % 2]}">'
                f'<title>{escape(f"{row.organisation}, {name}: {count}")}</title></rect>')
            x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{middle:.1f}" dominant-baseline="middle" fill="{TEXT}" '
                     f'font-size="14">{row.total}</text>')
    parts.append("</svg>")
    return "".join(parts)
