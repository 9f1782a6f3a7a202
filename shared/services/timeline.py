"""A visit's timeline: every communication sent (the send-once records) or still planned (the pure plan)."""
from __future__ import annotations

from shared import clock
from shared.domain import plan as planning
from shared.services import applications, outbound, visits
from shared.services.reminders import recipients
from shared.settings import settings


def timeline(visit_id: str) -> dict:
    """{"items": [{"kind", "due_at", "occasion", "sent_at"?, "to"}]} in due order.

    Sent records are grouped per (kind, occasion): one item per communication, with every
    recipient it went to. A planned item not sent yet shows whom it would go to now.
    """
    visit = visits.find(visit_id)
    sent: dict[tuple[str, str], dict] = {}
    for record in outbound.sent_records(visit_id):
        due_at = clock.iso(record.due_at)
        group = sent.setdefault((record.kind, record.occasion), {
            "kind": record.kind, "occasion": record.occasion, "due_at": due_at, "to": [], "_sent": []})
        if record.recipient not in group["to"]:
            group["to"].append(record.recipient)
        group["due_at"] = min(group["due_at"], due_at)
        if record.sent_at:
            group["_sent"].append(clock.iso(record.sent_at))
    items = []
    for group in sent.values():
        sent_at = group.pop("_sent")
        if sent_at:
            group["sent_at"] = min(sent_at)
        items.append(group)
    apps = applications.of_visit(visit_id)
    sent_kinds = {kind for kind, _ in sent}
    for item in planning.plan(visit):
        if (item.kind, item.occasion) in sent:
            continue
        if item.timer_kind != planning.COMMUNICATION and item.kind in sent_kinds:
            continue  # the reports function sends these once per visit, under its own occasion
        items.append({"kind": item.kind, "occasion": item.occasion, "due_at": clock.iso(item.due_at),
                      "to": _planned_recipients(visit, item.kind, apps)})
    items.sort(key=lambda i: (i["due_at"], i.get("sent_at") or "~", i["kind"]))
    return {"visit_id": visit_id, "items": items}


def _planned_recipients(visit, kind: str, apps) -> list[str]:
    who = planning.AUDIENCE.get(kind)
    if who == "host":
        return [visit.host.contact_email.lower()]
    if kind == "impact_note":
        # As the reports function sends it: the coordinators, and each visiting organisation's lead.
        confirmed = [a for a in apps if a.counts_as_visitor]
        return [settings().mail_from.lower(), *dict.fromkeys(a.submitted_by.lower() for a in confirmed)] if confirmed else []
    if who == "none":
        return []
    return [a.email.lower() for a in recipients(visit, kind, apps)]
