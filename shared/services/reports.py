"""The visit report: assembled exactly once, sent to the host, published without names; the impact note.

Assembly is triggered by the `report_due` timer (14 days after the visit) or as soon as every
confirmed visitor has sent learning points, whichever comes first. It happens once per visit:

1. claim: a conditional put of the report item (pk `VISIT#{vid}`, sk `REPORT`, status
   `assembling`); from then on no learning points are accepted (see services/learning.py);
2. assemble the snapshot and store the documents under `reports/{vid}/v{n}/` (n = 1);
3. complete: status `published`, the document keys, and the item's own ReportPublished event
   (only from `assembling`: two runs that both got here publish once);
4. deliver: the host's email through `outbound.send_once` (kind report_to_host; the occasion is the
   date version the claim was made at, as in the visit's plan, so the timeline shows it sent).

A run that dies after the claim is finished by the next trigger (SQS redelivers the failed
message); steps 2-4 give the same result however often they run. Hiding a point re-publishes
the summary as version n + 1 with the same snapshot.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shared import clock
from shared.domain import erasure
from shared.domain import plan as planning
from shared.domain import report as domain
from shared.errors import Conflict, Invalid, NotFound
from shared.models.application import Application
from shared.models.email import Attachment
from shared.models.events import LearningPointsSubmitted, ReportPublished, SummaryPointHidden, TimerFired
from shared.models.learning import HiddenPointIn
from shared.models.visit import Visit
from shared.services import alerts, applications, learning, outbound, visits
from shared.settings import settings
from shared.store.reports import HiddenPoint, ReportRecord

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

REPORT_DUE_AFTER = planning.DATE_OFFSETS["report_to_host"]
IMPACT_DUE_AFTER = planning.DATE_OFFSETS["impact_note"]
HOST_KIND, IMPACT_KIND = "report_to_host", "impact_note"
ATTEMPTS = 5


# --- reactions ---------------------------------------------------------------------------------

def on_points_submitted(stores: Stores, detail: LearningPointsSubmitted) -> None:
    """LearningPointsSubmitted: assemble at once when every confirmed visitor has answered."""
    visit = _live_visit(stores, detail.visit_id)
    if visit is None or visit.starts_at is None:
        return
    confirmed = [a.application_id for a in _confirmed(stores, visit.visit_id)]
    if domain.all_answered(confirmed, lambda aid: learning.points_of(stores, aid) is not None):
        assemble(stores, visit.visit_id)


def on_report_due(stores: Stores, detail: TimerFired) -> None:
    """TimerFired report_due (14 days after the visit): assemble with whatever points there are."""
    visit = _live_visit(stores, detail.visit_id)
    if visit is None or visit.starts_at is None or _stale(visit, detail):
        return
    assemble(stores, visit.visit_id)


def on_impact_due(stores: Stores, detail: TimerFired) -> None:
    """TimerFired impact_due (six weeks after the visit): the visitors' reflections, to the
    coordinators (all of them) and to each visiting organisation's lead (that organisation's)."""
    visit = _live_visit(stores, detail.visit_id)
    if visit is None or visit.starts_at is None or _stale(visit, detail):
        return
    confirmed = _confirmed(stores, visit.visit_id)
    if not confirmed:
        outbound.record_skipped(stores, visit.visit_id, "impact_note", planning.date_occasion(visit),
                                "no confirmed visitor came to the visit", due_at=visit.starts_at + IMPACT_DUE_AFTER,
                                visit=visit)
        return
    notes = {a.application_id: _impact_of(stores, a) for a in confirmed}
    team = settings().programme_team  # the coordinators read the programme team's mailbox, not the sender's
    _send_impact(stores, visit, team.email, team.name, "coordinators",
                 list(notes.values()))
    by_organisation: dict[str, list[Application]] = {}
    for application in confirmed:
        by_organisation.setdefault(application.organisation.strip().casefold(), []).append(application)
    for members in by_organisation.values():
        own = [notes[a.application_id] for a in members]
        for lead in dict.fromkeys(a.submitted_by.lower() for a in members):
            name = next((a.name for a in members if a.email.lower() == lead), "colleague")
            _send_impact(stores, visit, lead, name, "lead", own)


# --- assembly ----------------------------------------------------------------------------------

def assemble(stores: Stores, visit_id: str) -> None:
    """Assemble, publish and deliver the visit's report; any number of calls, one report and one email."""
    visit = visits.find(stores, visit_id)
    claim = stores.reports.claim(visit_id, occasion=planning.date_occasion(visit), claimed_at=clock.now(),
                                   visit=visit)
    if not claim.published:
        _complete(stores, visit, claim)
    _deliver(stores, visit, claim.occasion or planning.date_occasion(visit))


def _complete(stores: Stores, visit: Visit, claim: ReportRecord) -> None:
    snapshot = _snapshot(stores, visit, assembled_at=claim.claimed_at)
    keys = _store(stores, visit.visit_id, 1, snapshot, _hidden(stores, visit.visit_id))
    # False when another run published the same snapshot first.
    stores.reports.publish(visit.visit_id, documents=keys, assembled_at=snapshot.assembled_at,
                             published_at=clock.now(), visitors=len(snapshot.visitors),
                             organisations=len(domain.organisations(snapshot)),
                             event=ReportPublished(visit_id=visit.visit_id, report_key=keys["report_html"]))


def _snapshot(stores: Stores, visit: Visit, assembled_at: datetime) -> domain.Report:
    confirmed = _confirmed(stores, visit.visit_id)
    visitors = [domain.Visitor(application_id=a.application_id, name=a.name, email=a.email,
                               organisation=a.organisation, role=a.role, job_title=a.job_title,
                               questions=list(a.questions)) for a in confirmed]
    contributions = []
    for application in confirmed:
        sent = learning.points_of(stores, application.application_id)
        if sent is not None:
            contributions.append(domain.Contribution(
                application_id=application.application_id, points=sent.points, will_adopt=sent.will_adopt,
                public=sent.public, submitted_at=sent.submitted_at))
    report_visit = domain.ReportVisit(
        visit_id=visit.visit_id, title=visit.title, theme=visit.theme, host_organisation=visit.host.organisation,
        host_contact_name=visit.host.contact_name, host_contact_email=visit.host.contact_email, venue=visit.venue,
        starts_at=visit.starts_at, ends_at=visit.ends_at)
    return domain.assemble(report_visit, visitors, contributions, assembled_at)


def _store(stores: Stores, visit_id: str, version: int, snapshot: domain.Report,
           hidden: list[domain.HiddenPoint]) -> dict:
    """Write every document of one publication under reports/{vid}/v{version}/; their keys."""
    prefix = f"reports/{visit_id}/v{version}"
    html, text = domain.render_host_report(snapshot)
    summary = domain.public_summary(snapshot, hidden)
    files = {
        "report_json": ("report.json", snapshot.model_dump_json(), "application/json"),
        "report_html": ("report.html", html, "text/html; charset=utf-8"),
        "report_text": ("report.txt", text, "text/plain; charset=utf-8"),
        "summary_json": ("summary.json", json.dumps(summary), "application/json"),
        "summary_html": ("summary.html", domain.render_public_summary(summary), "text/html; charset=utf-8"),
    }
    keys = {}
    for name, (filename, content, content_type) in files.items():
        keys[name] = f"{prefix}/{filename}"
        stores.documents.put(keys[name], content, content_type)
    return keys


def _deliver(stores: Stores, visit: Visit, occasion: str) -> None:
    """The host's email (once): the report in the body, the printable report attached."""
    recipient = visit.host.contact_email
    if outbound.already_sent(stores, visit.visit_id, HOST_KIND, occasion, recipient):
        return
    item = _published(stores, visit.visit_id)
    snapshot = _load(stores, item)
    points = domain.all_points(snapshot)
    due_at = min(clock.now(), visit.starts_at + REPORT_DUE_AFTER) if visit.starts_at else clock.now()
    if not points:
        # Nothing to tell the host: no report goes; the programme team hears why instead.
        alerts.empty_report(stores, visit, len(snapshot.visitors), occasion)
        outbound.record_skipped(stores, visit.visit_id, HOST_KIND, occasion, "no visitor sent learning points",
                                due_at=due_at, visit=visit)
        return
    printable = stores.documents.get(item.documents["report_html"])
    attachment = Attachment("report.html", "text/html", printable.content.decode("utf-8")) if printable else None
    email = outbound.compose(
        recipient, HOST_KIND, (attachment,), name=visit.host.contact_name, visit=visit,
        visitor_count=len(snapshot.visitors), organisation_count=len(domain.organisations(snapshot)),
        answered=len(domain.contributors(snapshot)), points=points, adoptions=domain.adoptions(snapshot))
    outbound.send_once(stores, visit=visit, kind=HOST_KIND, occasion=occasion, recipient=recipient,
                       email=email, due_at=due_at)


# --- reading -----------------------------------------------------------------------------------

def full_report(stores: Stores, visit_id: str) -> dict:
    """The coordinators' report: everything, attributed, and the keys of the stored documents."""
    visits.find(stores, visit_id)
    item = _published(stores, visit_id)
    view = domain.coordinator_view(_load(stores, item), _hidden(stores, visit_id))
    return {"visit_id": visit_id, **view, "version": item.doc_version, "published_at": clock.iso(item.published_at),
            "documents": item.documents}


def public_summary(stores: Stores, visit_id: str) -> dict:
    """The published summary (no names, no emails): 404 before the report is assembled."""
    item = _published(stores, visit_id)
    stored = stores.documents.get(item.documents["summary_json"])
    if stored is None:
        raise NotFound(f"no published summary for visit {visit_id}")
    return {**json.loads(stored.content), "published_at": clock.iso(item.published_at)}


def public_summary_html(stores: Stores, visit_id: str) -> str:
    item = _published(stores, visit_id)
    stored = stores.documents.get(item.documents["summary_html"])
    if stored is None:
        raise NotFound(f"no published summary for visit {visit_id}")
    return stored.content.decode("utf-8")


# --- hiding a point from the summary -----------------------------------------------------------

@dataclass(frozen=True)
class Hidden:
    """The points now kept out of a visit's summary, and whether the summary was published again."""

    visit_id: str
    points: list[domain.HiddenPoint]
    republished: bool


def hide_point(stores: Stores, visit_id: str, request: HiddenPointIn) -> Hidden:
    """Keep one learning point out of the published summary; re-publish if already published."""
    visits.find(stores, visit_id)
    try:
        application = applications.find(stores, request.application_id)
    except NotFound:
        application = None
    if application is None or application.visit_id != visit_id:
        raise Invalid({"application_id": "not an application of this visit"})
    item = stores.reports.find(visit_id)
    if item is not None and item.published:
        points = domain.points_of(_load(stores, item), request.application_id)
    else:
        stored = learning.points_of(stores, request.application_id)
        points = stored.points if stored else None
    if not points:
        raise Invalid({"application_id": "no learning points from this application"})
    if request.index >= len(points):
        raise Invalid({"index": f"this application sent {len(points)} point(s): index 0 to {len(points) - 1}"})
    changed = _add_hidden(stores, visit_id, domain.HiddenPoint(request.application_id, request.index,
                                                               points[request.index]))
    republished = changed and _republish(stores, visit_id)
    return Hidden(visit_id, _hidden(stores, visit_id), republished)


def _add_hidden(stores: Stores, visit_id: str, point: domain.HiddenPoint) -> bool:
    """Record the hidden point; False when it was hidden already."""
    entry = HiddenPoint(application_id=point.application_id, index=point.index, text=point.text)
    visit = visits.find(stores, visit_id)
    for _ in range(ATTEMPTS):
        current = stores.reports.hidden(visit_id)
        if entry in current.points:
            return False
        event = SummaryPointHidden(visit_id=visit_id, application_id=point.application_id, index=point.index)
        try:
            stores.reports.save_hidden(current.model_copy(update={"points": [*current.points, entry]}), visit, event)
            return True
        except Conflict:
            continue
    raise Conflict("the hidden points keep changing; try again")


def _republish(stores: Stores, visit_id: str) -> bool:
    """A new version of the published documents with the current hidden points; False before assembly."""
    for _ in range(ATTEMPTS):
        item = stores.reports.find(visit_id)
        if item is None or not item.published:
            return False
        version = item.doc_version
        keys = _store(stores, visit_id, version + 1, _load(stores, item), _hidden(stores, visit_id))
        if stores.reports.republish(visit_id, from_version=version, documents=keys, published_at=clock.now(),
                                      event=ReportPublished(visit_id=visit_id, report_key=keys["report_html"])):
            return True
        # published meanwhile: publish again, with every hidden point
    raise Conflict("the report keeps changing; try again")


# --- erasing a visitor -------------------------------------------------------------------------

def forget(stores: Stores, visit_id: str, application_ids: list[str]) -> bool:
    """An erased person's visitor entry leaves the visit's report: the documents are published
    again from the scrubbed snapshot (their learning points stay, unattributed) and the earlier
    version's documents, which named them, are deleted. False when there is no report yet or it
    never named them."""
    for _ in range(ATTEMPTS):
        item = stores.reports.find(visit_id)
        if item is None or not item.published:
            return False
        scrubbed, changed = erasure.scrub_report(json.loads(_load(stores, item).model_dump_json()), application_ids)
        if not changed:
            return False
        version, old = item.doc_version, dict(item.documents)
        keys = _store(stores, visit_id, version + 1, domain.Report.model_validate(scrubbed), _hidden(stores, visit_id))
        if stores.reports.republish(visit_id, from_version=version, documents=keys, published_at=clock.now(),
                                      event=ReportPublished(visit_id=visit_id, report_key=keys["report_html"])):
            stores.documents.delete(sorted(set(old.values()) - set(keys.values())))
            return True
    raise Conflict("the report keeps changing; try again")


# --- helpers -----------------------------------------------------------------------------------

def _live_visit(stores: Stores, visit_id: str) -> Visit | None:
    try:
        visit = visits.find(stores, visit_id)
    except NotFound:
        return None
    return None if visit.status == "cancelled" else visit


def _stale(visit: Visit, detail: TimerFired) -> bool:
    """A timer planned for an earlier date of the visit."""
    occasion = detail.occasion
    return occasion is not None and occasion != planning.date_occasion(visit)


def _confirmed(stores: Stores, visit_id: str) -> list[Application]:
    """The visitors who count: confirmed and not recorded absent."""
    return [a for a in applications.of_visit(stores, visit_id) if a.counts_as_visitor]


def _published(stores: Stores, visit_id: str) -> ReportRecord:
    item = stores.reports.find(visit_id)
    if item is None or not item.published:
        raise NotFound(f"the report of visit {visit_id} is not assembled yet")
    return item


def _load(stores: Stores, item: ReportRecord) -> domain.Report:
    stored = stores.documents.get(item.documents["report_json"])
    if stored is None:
        raise NotFound(f"the report document {item.documents['report_json']} is missing")
    return domain.Report.model_validate_json(stored.content)


def _hidden(stores: Stores, visit_id: str) -> list[domain.HiddenPoint]:
    return [domain.HiddenPoint(h.application_id, h.index, h.text) for h in stores.reports.hidden(visit_id).points]


def _impact_of(stores: Stores, application: Application) -> dict:
    """One visitor's reflections (by week) and what they said they would adopt, unattributed."""
    reflections = stores.learning.reflections_of(application.application_id)
    points = learning.points_of(stores, application.application_id)
    return {"reflections": [f"Week {r.week}: {r.text}" for r in reflections if r.text],
            "adoption": points.will_adopt if points else None}


def _send_impact(stores: Stores, visit: Visit, recipient: str, name: str, audience: str, notes: list[dict]) -> None:
    occasion = planning.date_occasion(visit)
    if outbound.already_sent(stores, visit.visit_id, IMPACT_KIND, occasion, recipient):
        return
    email = outbound.compose(recipient, IMPACT_KIND, name=name, visit=visit, audience=audience,
                             reflections=[r for n in notes for r in n["reflections"]],
                             adoptions=[n["adoption"] for n in notes if n["adoption"]])
    due_at = min(clock.now(), visit.starts_at + IMPACT_DUE_AFTER) if visit.starts_at else clock.now()
    outbound.send_once(stores, visit=visit, kind=IMPACT_KIND, occasion=occasion, recipient=recipient,
                       email=email, due_at=due_at)
