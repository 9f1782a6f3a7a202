"""The host in the loop: after the visitors' list has gone (7 days before the visit, with the visit's
calendar event), the host is told of each withdrawal, substitution, date change and cancellation.

Every email to the host goes through `outbound.send_once` (recipient: the host contact), so each
change is told once and shows on the visit's timeline: `host_update` for a withdrawal or a
substitution, `calendar_update` for a date change and `cancellation` for a cancelled visit.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain import plan as planning
from shared.models.application import HOLDING, Application
from shared.models.visit import Visit
from shared.services import applications, outbound
from shared.services.invitations import host_invitation

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

LIST_KIND = "host_questions"
UPDATE_KIND = "host_update"


def list_sent(stores: Stores, visit_id: str) -> bool:
    """Whether the visitors' list (and with it the visit's calendar event) has gone to the host."""
    return any(record.sent_at for record in stores.sent.of_visit(visit_id, kind=LIST_KIND))


def visitor_card(application: Application) -> dict:
    """A visitor as the host sees them: accessibility needs only with the visitor's agreement."""
    return {"name": application.name, "organisation": application.organisation, "role": application.role,
            "job_title": application.job_title, "questions": list(application.questions),
            "accessibility_needs": application.accessibility_needs if application.share_accessibility_needs else None}


def _expected(stores: Stores, visit_id: str) -> list[str]:
    return [f"{a.name} ({a.organisation})" for a in applications.of_visit(stores, visit_id) if a.status in HOLDING]


def _send(stores: Stores, visit: Visit, kind: str, occasion: str, attachment=None, **context) -> bool:
    contact = visit.host.contact_email
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, contact):
        return False
    email = outbound.compose(contact, "host_update", (attachment,), name=visit.host.contact_name, visit=visit,
                             **context)
    return outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=contact,
                              email=email)


def tell_withdrawal(stores: Stores, visit: Visit, application: Application) -> bool:
    if visit.status == "cancelled" or not list_sent(stores, visit.visit_id):
        return False
    return _send(stores, visit, UPDATE_KIND, f"withdrawn#{application.application_id}", change="withdrawal",
                 person={"name": application.name, "organisation": application.organisation},
                 visitors=_expected(stores, visit.visit_id))


def tell_substitution(stores: Stores, visit: Visit, old: Application, new: Application) -> bool:
    if visit.status == "cancelled" or not list_sent(stores, visit.visit_id):
        return False
    return _send(stores, visit, UPDATE_KIND, f"substituted#{old.application_id}", change="substitution",
                 person={"name": old.name, "organisation": old.organisation}, substitute=visitor_card(new),
                 visitors=_expected(stores, visit.visit_id))


def tell_date_change(stores: Stores, visit: Visit, what: str = "visit_date", before: Visit | None = None) -> bool:
    """The host's calendar event moves with the date (REQUEST of the same UID at the new version), worded
    by `what` changed (shared/domain/changes.py: a new time on the same day is not a new date); a date back
    to "to be confirmed" takes the entry out (CANCEL of the same UID; `before` is the visit as it was)."""
    if visit.status == "cancelled" or not list_sent(stores, visit.visit_id):
        return False
    if visit.starts_at is not None:
        invitation, calendar = host_invitation(visit), "update"
    elif before is not None and before.starts_at is not None:
        invitation, calendar = host_invitation(before, method="CANCEL", sequence=visit.date_version), "cancel"
    else:
        invitation, calendar = None, None
    return _send(stores, visit, "calendar_update", planning.date_occasion(visit), invitation, change="date", what=what,
                 calendar=calendar if invitation else None)


def tell_cancellation(stores: Stores, visit: Visit, reason: str | None) -> bool:
    """Always told; the calendar event is cancelled only if the host was sent it."""
    cancel = host_invitation(visit, method="CANCEL", sequence=visit.date_version + 1) \
        if list_sent(stores, visit.visit_id) else None
    return _send(stores, visit, "cancellation", "visit_cancelled", cancel, change="cancellation", reason=reason,
                 calendar="cancel" if cancel else None)
