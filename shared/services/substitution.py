"""A holder who cannot go hands the place to a colleague of the same organisation.

`POST /applications/{id}/substitute` (the submitting member, coordinators): one transaction writes
the colleague's application (holding the place's status and offer deadline, its own email guard,
its SubstituteTookPlace event) and the old one as `substituted` (its ApplicationSubstituted event),
and checks the visit is not cancelled. The reactions (reminders function): the old holder gets
METHOD:CANCEL of their calendar events, the new holder the offer (or, if the place was confirmed,
the confirmation) with the visit's event, and the host is told if the visitors' list has gone.
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from shared import clock
from shared.errors import Conflict, Invalid, NotFound
from shared.models.application import HOLDING, Application
from shared.models.events import ApplicationSubstituted, SubstituteTookPlace
from shared.models.parsing import parse_body
from shared.models.visit import Visit
from shared.models.year import SubstituteIn
from shared.services import applications, links, offers, outbound, preparation, visits
from shared.services.applications import Actor
from shared.store.timers import Timer
from shared.services.invitations import visit_invitation
from shared.domain.plan import attends_call, call_occasion

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores


def substitute(stores: Stores, application_id: str, body: dict, actor: Actor) -> tuple[int, dict]:
    """201 the colleague's application holding the old one's place; 409 if it holds none or the visit started."""
    old = applications.find(stores, application_id)
    applications.authorize(old, actor, action="substitute", applicant=False, coordinators=True, links=False)
    request = parse_body(SubstituteIn, body)
    if request.email.strip().lower() == old.email.lower():
        raise Invalid({"email": "the colleague taking the place must be someone else"})
    visit = visits.find(stores, old.visit_id)
    now = clock.now()
    if visit.status == "cancelled":
        raise Conflict("the visit is cancelled")
    if visit.starts_at is not None and now >= visit.starts_at:
        raise Conflict("the visit has started: places can no longer change hands")
    if old.status not in HOLDING:
        raise Conflict(f"the application holds no place (it is {old.status})")
    if old.status == "offered" and old.offer_expires_at is not None and now >= old.offer_expires_at:
        raise Conflict("the offer has lapsed")
    new = Application(
        name=request.name, email=request.email, role=request.role, job_title=request.job_title,
        motivation=request.motivation or old.motivation, questions=request.questions or list(old.questions),
        prep_call=request.prep_call, accessibility_needs=request.accessibility_needs,
        share_accessibility_needs=request.share_accessibility_needs,
        application_id=uuid.uuid4().hex, visit_id=old.visit_id, organisation=old.organisation, status=old.status,
        submitted_at=now, submitted_by=old.submitted_by, updated_at=now, offer_expires_at=old.offer_expires_at,
        attending_prep_call=request.prep_call == "join", substitute_for=old.application_id)
    if new.status == "offered" and new.offer_expires_at is not None:
        # The timer first: if the write then fails, the timer finds nothing to expire.
        stamp = clock.iso(new.offer_expires_at)
        stores.timers.schedule(Timer("offer_expiry", new.offer_expires_at, f"expiry#{new.application_id}#{stamp}",
                                       {"visit_id": visit.visit_id, "application_id": new.application_id}))
    stores.applications.substitute(
        old, new, visit,
        ApplicationSubstituted(visit_id=visit.visit_id, application_id=old.application_id,
                               organisation=old.organisation, substitute_id=new.application_id,
                               previous_status=old.status),
        SubstituteTookPlace(visit_id=visit.visit_id, application_id=new.application_id,
                            organisation=new.organisation, replaces=old.application_id, status=new.status))
    return 201, new.answer()


# --- the new holder is told ----------------------------------------------------------------------

def on_substitute_took_place(stores: Stores, detail: SubstituteTookPlace) -> None:
    """SubstituteTookPlace → the colleague's email: the offer (confirm by ...) or the confirmed place, with
    the visit's calendar event; a confirmed place also brings the preparation call's invitation."""
    try:
        visit = visits.find(stores, detail.visit_id)
        application = applications.find(stores, detail.application_id)
        old = applications.find(stores, detail.replaces)
    except NotFound:
        return
    if visit.status == "cancelled" or application.status not in HOLDING:
        return
    if application.status == "offered":
        if application.offer_expires_at is None:
            return
        kind, occasion = "offer", f"{application.application_id}#{clock.iso(application.offer_expires_at)}"
        offers.plan_reminder(stores, visit, application)  # recalled 2 days before it lapses, as any offer
    else:
        kind, occasion = "substitute_place", application.application_id
    if not outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        action_links = {"withdraw": _withdraw_link(stores, visit, application)}
        if application.status == "offered":
            action_links = {"confirm": links.issue(stores, application.application_id, "confirm", visit,
                                                   offer_expires_at=application.offer_expires_at), **action_links}
        email = outbound.compose(application.email, "substitute_place", (visit_invitation(visit, application),),
                                 name=application.name, visit=visit, status=application.status,
                                 colleague=old.name, confirm_by=application.offer_expires_at, links=action_links,
                                 call_invite=attends_call(application) and visit.prep_call_at is not None
                                 and visit.prep_call_at > clock.now())
        outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                           email=email, application_id=application.application_id)
    if application.status == "confirmed" and attends_call(application) \
            and (visit.prep_call_at is None or visit.prep_call_at > clock.now()):
        # The call's invitation, unless they cannot join it or it is already over.
        preparation.send_call_invitation(stores, visit, application, call_occasion(visit))


def _withdraw_link(stores: Stores, visit: Visit, application: Application) -> str:
    return links.issue(stores, application.application_id, "withdraw", visit,
                       offer_expires_at=application.offer_expires_at)
