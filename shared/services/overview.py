"""The programme as its coordinators read it (and a member's organisation's share of it): reads only.

Composes the services that own each thing (visits, applications, allocation, timeline, reports)
into what one page shows, so a page route stays an HTTP concern.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shared import clock
from shared.domain import attention
from shared.domain.ledger_chart import LedgerLine, LedgerTable, tabulate
from shared.errors import NotFound
from shared.models.application import Application
from shared.models.visit import Visit
from shared.services import allocation, applications, learning, material, reports, timeline, visits

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


@dataclass(frozen=True)
class VisitSummary:
    visit: Visit
    applications: int
    places_taken: int        # offered or confirmed
    confirmed: int
    waiting: int
    attention: list[attention.Attention]


@dataclass(frozen=True)
class VisitDetail:
    visit: Visit
    applications: list[Application]
    holders: list[Application]
    waitlist: list[Application]
    places_per_organisation: list[tuple[str, int]]
    allocated: bool
    not_confirmed: list[Application]
    call_answers: list[tuple[Application, str]]
    points_missing: list[Application]
    points_sent: set[str]
    timeline: list[dict]
    report: dict | None
    attention: list[attention.Attention]
    now: datetime
    material: list[dict]
    attended: dict[str, bool | None] = field(default_factory=dict)


def _attended(application: Application) -> bool | None:
    # Attendance (issue 12) is a field of the application once recorded; None until then.
    return getattr(application, "attended", None)


def _attendance_recorded(confirmed: list[Application]) -> bool:
    if "attended" not in Application.model_fields:
        return True  # this deployment does not record attendance: nothing to ask for
    return all(_attended(a) is not None for a in confirmed)


def _report(stores: Stores, visit_id: str) -> dict | None:
    try:
        return reports.full_report(stores, visit_id)
    except NotFound:
        return None


def _summary(stores: Stores, visit: Visit, apps: list[Application], now: datetime) -> VisitSummary:
    confirmed = [a for a in apps if a.status == "confirmed"]
    ended = visit.ends_at is not None and now >= visit.ends_at
    points = sum(1 for a in confirmed if learning.points_of(stores, a.application_id)) if ended else 0
    report_ready = _report(stores, visit.visit_id) is not None if ended else False
    return VisitSummary(
        visit=visit, applications=len(apps), places_taken=sum(1 for a in apps if a.holds_place),
        confirmed=len(confirmed), waiting=sum(1 for a in apps if a.status == "waitlisted"),
        attention=attention.needs(visit, apps, now, allocated=allocation.record(stores, visit.visit_id) is not None,
                                  points_sent=points,
                                  attendance_recorded=_attendance_recorded(confirmed),
                                  report_published=report_ready))


def programme(stores: Stores) -> list[VisitSummary]:
    """Every visit, soonest first (undated ones last), with what needs attention."""
    now = clock.now()
    found = [_summary(stores, v, applications.of_visit(stores, v.visit_id), now) for v in visits.all_visits(stores)]
    return sorted(found, key=lambda s: (s.visit.starts_at is None, s.visit.starts_at or s.visit.created_at))


def visit_detail(stores: Stores, visit_id: str) -> VisitDetail:
    visit = visits.find(stores, visit_id)
    apps = allocation.current_applications(stores, visit_id)
    now = clock.now()
    holders = sorted((a for a in apps if a.holds_place), key=lambda a: (a.organisation.casefold(), a.submitted_at))
    waitlist = sorted((a for a in apps if a.status == "waitlisted"),
                      key=lambda a: (a.waitlist_position or 0, a.submitted_at))
    per_org: dict[str, tuple[str, int]] = {}
    for a in holders:
        name, count = per_org.get(a.organisation.casefold(), (a.organisation, 0))
        per_org[a.organisation.casefold()] = (name, count + 1)
    confirmed = [a for a in apps if a.status == "confirmed"]
    started = visit.starts_at is not None and now >= visit.starts_at
    sent = {a.application_id for a in confirmed if started and learning.points_of(stores, a.application_id)}
    report = _report(stores, visit_id)
    allocated = allocation.record(stores, visit_id) is not None
    return VisitDetail(
        visit=visit, applications=apps, holders=holders, waitlist=waitlist,
        places_per_organisation=sorted(per_org.values(), key=lambda p: p[0].casefold()),
        allocated=allocated,
        not_confirmed=[a for a in apps if a.status == "offered"],
        call_answers=[(a, "joining" if a.attending_prep_call else "cannot join") for a in confirmed],
        points_missing=[a for a in confirmed if started and a.application_id not in sent
                        and _attended(a) is not False],
        points_sent=sent,
        timeline=timeline.timeline(stores, visit_id)["items"],
        report=report,
        attention=attention.needs(visit, apps, now, allocated=allocated, points_sent=len(sent),
                                  attendance_recorded=_attendance_recorded(confirmed),
                                  report_published=report is not None),
        now=now,
        material=sorted(material.of_visit(stores, visit_id), key=lambda m: m["filename"]),
        attended={a.application_id: _attended(a) for a in confirmed},
    )


# --- the fairness ledger -------------------------------------------------------------------------

def ledger(stores: Stores) -> tuple[LedgerTable, dict[str, str]]:
    """Places per organisation and visit across the programme, and each visit's title."""
    every = {v.visit_id: v for v in visits.all_visits(stores)}
    order = [v.visit_id for v in sorted(every.values(), key=lambda v: (v.starts_at is None,
                                                                        v.starts_at or v.created_at))]
    lines = [LedgerLine(line.organisation, line.visit_id, line.places)
             for line in stores.allocation.ledger() if line.places > 0]
    return tabulate(lines, order), {vid: v.title for vid, v in every.items()}


def ledger_csv(stores: Stores) -> str:
    """One row per organisation: places in each visit (columns by visit title and date), and in all."""
    found, titles = ledger(stores)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["organisation", *(f"{titles.get(v, v)} ({v})" for v in found.visits), "total"])
    for row in found.rows:
        writer.writerow([_cell(row.organisation), *row.per_visit, row.total])
    return out.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet never runs a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- a member's organisation --------------------------------------------------------------------

def organisation_applications(stores: Stores, organisation: str) -> list[tuple[Visit, list[Application]]]:
    """Every visit the organisation applied to, with its applications (newest visits first)."""
    key = organisation.strip().casefold()
    found = []
    for visit in visits.all_visits(stores):
        mine = [a for a in applications.of_visit(stores, visit.visit_id) if a.organisation.casefold() == key]
        if mine:
            found.append((visit, mine))
    return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)


def open_visits(stores: Stores) -> list[Visit]:
    now = clock.now()
    return sorted((v for v in visits.all_visits(stores) if v.status == "open" and now < v.applications_close_at),
                  key=lambda v: v.applications_close_at)
