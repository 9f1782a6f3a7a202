"""The visit report as pure code: what it holds, who sees which part, and how it reads.

One `Report` is assembled once per visit (a frozen snapshot: the visit, its confirmed
visitors with the questions they asked, and their learning points). Three views come from it:

- the host's report (`render_host_report`): the visiting organisations, the questions asked
  before the visit, the learning points and what visitors will adopt, each as one list in text
  order (never grouped, so no one's points can be told apart); no names, no emails;
- the coordinators' full report (`coordinator_view`): everything, attributed;
- the public summary (`public_summary`): the visit, how many visitors from how many
  organisations and the points their authors let us publish that no coordinator hid,
  unattributed and in an order that says nothing about who wrote what.

No I/O and no clock here: the caller passes times in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from shared.domain.rendering import LONDON, environment
from shared.models.base import Model


class ReportVisit(Model):
    visit_id: str
    title: str
    theme: str
    host_organisation: str
    host_contact_name: str
    host_contact_email: str
    venue: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class Visitor(Model):
    """A confirmed visitor, as the report knows them."""

    application_id: str
    name: str
    email: str
    organisation: str
    role: str
    job_title: str
    questions: list[str]


class Contribution(Model):
    """One visitor's (last) learning-points submission."""

    application_id: str
    points: list[str]
    will_adopt: str | None = None
    public: bool = True
    submitted_at: datetime


class Report(Model):
    visit: ReportVisit
    visitors: list[Visitor]
    contributions: list[Contribution]
    assembled_at: datetime


@dataclass(frozen=True)
class HiddenPoint:
    """A point a coordinator keeps out of the published summary (its text pins it down)."""

    application_id: str
    index: int
    text: str


def assemble(visit: ReportVisit, visitors: Iterable[Visitor], contributions: Iterable[Contribution],
             assembled_at: datetime) -> Report:
    """The report of `visit`: visitors by organisation then name; only their own contributions."""
    ordered = sorted(visitors, key=lambda v: (_key(v.organisation), v.name.casefold(), v.application_id))
    known = {v.application_id for v in ordered}
    position = {v.application_id: i for i, v in enumerate(ordered)}
    kept = sorted((c for c in contributions if c.application_id in known), key=lambda c: position[c.application_id])
    return Report(visit=visit, visitors=ordered, contributions=kept, assembled_at=assembled_at)


def all_answered(confirmed: Iterable[str], has_answered: Callable[[str], bool]) -> bool:
    """Every confirmed visitor has sent learning points (and there is at least one visitor); asked of
    each in turn, stopping at the first who has not (most answers are not the last one)."""
    confirmed = list(dict.fromkeys(confirmed))
    return bool(confirmed) and all(has_answered(visitor) for visitor in confirmed)


def organisations(report: Report) -> list[tuple[str, int]]:
    """(organisation, visitors) in name order; names compared case-insensitively."""
    counts: dict[str, list] = {}
    for visitor in report.visitors:
        counts.setdefault(_key(visitor.organisation), [visitor.organisation, 0])[1] += 1
    return [(name, count) for name, count in counts.values()]


def all_points(report: Report) -> list[str]:
    """Every point, in text order: nothing in the order says who (or which organisation) wrote what."""
    return _unattributed(p for c in report.contributions for p in c.points)


def adoptions(report: Report) -> list[str]:
    return _unattributed(c.will_adopt for c in report.contributions if c.will_adopt)


def contributors(report: Report) -> list[Visitor]:
    """The visitors who sent learning points."""
    answered = {c.application_id for c in report.contributions if c.points}
    return [v for v in report.visitors if v.application_id in answered]


def _unattributed(texts: Iterable[str]) -> list[str]:
    return sorted(texts, key=lambda t: (t.casefold(), t))


def points_of(report: Report, application_id: str) -> list[str] | None:
    """The points one visitor sent, as assembled (None: that visitor sent none)."""
    found = next((c for c in report.contributions if c.application_id == application_id), None)
    return None if found is None else list(found.points)


def is_hidden(hidden: Iterable[HiddenPoint], application_id: str, text: str) -> bool:
    return any(h.application_id == application_id and h.text == text for h in hidden)


def public_points(report: Report, hidden: Iterable[HiddenPoint] = ()) -> list[str]:
    """Points whose authors allowed publication and no coordinator hid, in text order (unattributed)."""
    hidden = tuple(hidden)
    chosen = [p for c in report.contributions if c.public for p in c.points
              if not is_hidden(hidden, c.application_id, p)]
    return sorted(chosen, key=lambda p: (p.casefold(), p))


def public_summary(report: Report, hidden: Iterable[HiddenPoint] = ()) -> dict:
    """The published summary: nothing in it names, or lets anyone single out, a visitor."""
    visit = report.visit
    return {
        "visit": {"visit_id": visit.visit_id, "title": visit.title, "theme": visit.theme,
                  "host": {"organisation": visit.host_organisation},
                  "starts_at": _iso(visit.starts_at), "date": london_day(visit.starts_at)},
        "visitors": len(report.visitors),
        "organisations": len(organisations(report)),
        "learning_points": public_points(report, hidden),
    }


def coordinator_view(report: Report, hidden: Iterable[HiddenPoint] = ()) -> dict:
    """The coordinators' full report: everything, attributed, with each point's publication state."""
    hidden = tuple(hidden)
    visit = report.visit
    people = {v.application_id: v for v in report.visitors}
    answered = {c.application_id for c in report.contributions}

    def who(application_id: str) -> dict:
        person = people[application_id]
        return {"application_id": application_id, "name": person.name, "email": person.email,
                "organisation": person.organisation}

    return {
        "visit": {"visit_id": visit.visit_id, "title": visit.title, "theme": visit.theme,
                  "host": {"organisation": visit.host_organisation, "contact_name": visit.host_contact_name,
                           "contact_email": visit.host_contact_email},
                  "venue": visit.venue, "starts_at": _iso(visit.starts_at), "ends_at": _iso(visit.ends_at),
                  "date": london_day(visit.starts_at)},
        "organisations": [{"organisation": name, "visitors": count} for name, count in organisations(report)],
        "visitors": [{**who(v.application_id), "role": v.role, "job_title": v.job_title,
                      "sent_points": v.application_id in answered} for v in report.visitors],
        "questions": [{**who(v.application_id), "questions": list(v.questions)} for v in report.visitors],
        "points": [{**who(c.application_id), "index": i, "text": text, "public": c.public,
                    "hidden": is_hidden(hidden, c.application_id, text),
                    "published": c.public and not is_hidden(hidden, c.application_id, text)}
                   for c in report.contributions for i, text in enumerate(c.points)],
        "will_adopt": [{**who(c.application_id), "text": c.will_adopt}
                       for c in report.contributions if c.will_adopt],
        "assembled_at": _iso(report.assembled_at),
    }


def render_host_report(report: Report) -> tuple[str, str]:
    """(html, text) of the host's report. The HTML is printable and autoescaped."""
    context = _host_context(report)
    env = environment()
    html = env.get_template("report/host.html").render(context)
    text = env.get_template("report/host.txt").render(context)
    return html, text.strip() + "\n"


def render_public_summary(summary: dict) -> str:
    """The public summary as an HTML page (autoescaped), for the programme's website."""
    return environment().get_template("report/summary.html").render(summary=summary)


def london_day(moment: datetime | None) -> str | None:
    """The visit's calendar day in London, as an ISO date (None: to be confirmed)."""
    return None if moment is None else moment.astimezone(LONDON).date().isoformat()


def _host_context(report: Report) -> dict:
    visit = report.visit
    return {
        "visit": {"title": visit.title, "theme": visit.theme, "venue": visit.venue,
                  "starts_at": visit.starts_at, "ends_at": visit.ends_at,
                  "host": {"organisation": visit.host_organisation, "contact_name": visit.host_contact_name}},
        "visitor_count": len(report.visitors),
        "organisations": organisations(report),
        "questions": _unattributed(q for v in report.visitors for q in v.questions),
        "points": all_points(report),
        "adoptions": adoptions(report),
        "answered": len(contributors(report)),
        "assembled_at": report.assembled_at,
    }


def _key(organisation: str) -> str:
    return organisation.strip().casefold()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
