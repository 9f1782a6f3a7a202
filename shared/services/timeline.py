"""A visit's timeline: every communication sent (the send-once records) or still planned (the pure plan).

Each item has a `status`: `sent`; `skipped` with a `reason` (it went to no one when its time came, as
recorded then, or its time had passed before it could be planned); `planned` (still ahead, or being sent).
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared import clock
from shared.domain import plan as planning
from shared.services import applications, offers, outbound, visits
from shared.services.reminders import recipients
from shared.settings import settings

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

# Timers fire from an hourly sweep: an item due less than this ago may still be on its way.
PLANNING_SLACK = timedelta(hours=2)
PASSED = "its time had passed before it was planned (the date was set or moved after it)"


def timeline(stores: Stores, visit_id: str) -> dict:
    """{"items": [{"kind", "due_at", "occasion", "status", "sent_at"?, "reason"?, "to"}]} in due order.

    Sent records are grouped per (kind, occasion): one item per communication, with every
    recipient it went to. A planned item not sent yet shows whom it would go to now.
    """
    visit = visits.find(stores, visit_id)
    sent: dict[tuple[str, str], dict] = {}
    for record in outbound.sent_records(stores, visit_id):
        due_at = clock.iso(record.due_at)
        group = sent.setdefault((record.kind, record.occasion), {
            "kind": record.kind, "occasion": record.occasion, "due_at": due_at, "to": [], "_sent": []})
        if record.skipped:
            group["_reason"] = record.reason
        elif record.recipient not in group["to"]:
            group["to"].append(record.recipient)
        group["due_at"] = min(group["due_at"], due_at)
        if record.sent_at:
            group["_sent"].append(clock.iso(record.sent_at))
    items = []
    for group in sent.values():
        sent_at, reason = group.pop("_sent"), group.pop("_reason", None)
        if sent_at:
            group.update(status="sent", sent_at=min(sent_at))
        elif reason:
            group.update(status="skipped", reason=reason)
        else:
            group["status"] = "planned"  # claimed: being sent
        items.append(group)
    apps = applications.of_visit(stores, visit_id)
    now = clock.now()
    sent_kinds = {kind for kind, _ in sent}
    for item in planning.plan(visit):
        if (item.kind, item.occasion) in sent:
            continue
        if item.timer_kind != planning.COMMUNICATION and item.kind in sent_kinds:
            continue  # the reports function sends these once per visit, under its own occasion
        entry = {"kind": item.kind, "occasion": item.occasion, "due_at": clock.iso(item.due_at),
                 "to": _planned_recipients(stores, visit, item.kind, apps), "status": "planned"}
        if item.due_at < now - PLANNING_SLACK:
            # Its time passed with no record of it: it was already past when the date was set or moved.
            entry.update(status="skipped", reason=PASSED, to=[])
        items.append(entry)
    items += _offer_reminders(apps, now, sent)
    items.sort(key=lambda i: (i["due_at"], i.get("sent_at") or "~", i["kind"]))
    return {"visit_id": visit_id, "items": items}


def _offer_reminders(apps, now, sent: dict) -> list[dict]:
    """The reminder still ahead for each open offer (two days before it lapses)."""
    items = []
    for application in apps:
        due = offers.reminder_due(application) if application.status == "offered" else None
        if due is None or due <= now:
            continue
        occasion = offers.reminder_occasion(application)
        if ("offer", occasion) not in sent:
            items.append({"kind": "offer", "occasion": occasion, "due_at": clock.iso(due),
                          "to": [application.email.lower()], "status": "planned"})
    return items


def _planned_recipients(stores: Stores, visit, kind: str, apps) -> list[str]:
    who = planning.AUDIENCE.get(kind)
    if who == "host":
        return [visit.host.contact_email.lower()]
    if kind == "impact_note":
        # As the reports function sends it: the coordinators, and each visiting organisation's lead.
        confirmed = [a for a in apps if a.counts_as_visitor]
        team = settings().programme_team.email.lower()
        return [team, *dict.fromkeys(a.submitted_by.lower() for a in confirmed)] if confirmed else []
    if who == "none":
        return []
    return [a.email.lower() for a in recipients(stores, visit, kind, apps)]
