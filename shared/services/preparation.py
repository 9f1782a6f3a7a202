"""Before the visit: the preparation call (invitation, answer, reminder) and the background material.

The calendar events themselves are built in shared/services/invitations.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared import clock
from shared.domain.plan import attends_call, call_occasion
from shared.errors import Conflict, NotFound
from shared.models.application import GONE, Application
from shared.models.email import Attachment, Email
from shared.models.events import ApplicationConfirmed, PrepCallChanged
from shared.models.follow_up import PrepCallIn
from shared.models.visit import Visit
from shared.services import applications, links, outbound, visits
from shared.services.applications import Actor
from shared.services.invitations import call_invitation, visit_invitation

if TYPE_CHECKING:  # the stores come from the entry; only their type is needed here
    from shared.store import Stores

# Uploaded text material is also shown in the email itself.
TEXT_TYPES = ("text/plain", "text/markdown")


# --- the visitor's answer ----------------------------------------------------------------------

def set_prep_call(stores: Stores, application_id: str, answer: PrepCallIn, actor: Actor) -> Application:
    """Whether the visitor joins the call (PrepCallChanged): it decides call reminder vs material."""
    application = applications.find(stores, application_id)
    applications.authorize(application, actor, action="prep_call")
    if application.status in GONE:
        raise Conflict(f"the application is {application.status}")
    choice = "join" if answer.attending else "cannot_join"
    if application.attending_prep_call != answer.attending or application.prep_call != choice:
        event = PrepCallChanged(visit_id=application.visit_id, application_id=application_id,
                                organisation=application.organisation, attending=answer.attending)
        # The call's calendar event is cancelled or sent again on each change: its SEQUENCE counts them.
        application = applications.change(stores, application, event, attending_prep_call=answer.attending,
                                          prep_call=choice, call_changes=application.call_changes + 1)
    return application


# --- emails ---------------------------------------------------------------------------------------

def prep_call_link(stores: Stores, visit: Visit, application: Application) -> str:
    return links.issue(stores, application.application_id, "prep_call", visit)


def on_confirmed(stores: Stores, detail: ApplicationConfirmed) -> None:
    """ApplicationConfirmed → the visit's event, now CONFIRMED (an update of the offer's TENTATIVE one), and
    for those joining the call its invitation (its .ics when the call is set, and the dial-in). Those who
    cannot join get no call invitation; one confirmed after the call took place gets the material instead."""
    try:
        visit = visits.find(stores, detail.visit_id)
        application = applications.find(stores, detail.application_id)
    except NotFound:
        return
    if visit.status == "cancelled" or application.status != "confirmed":
        return
    call_passed = visit.prep_call_at is not None and clock.now() >= visit.prep_call_at
    if attends_call(application) and not call_passed:
        send_call_invitation(stores, visit, application, call_occasion(visit), why="confirmed")
        return
    kind, occasion = "calendar_update", "confirmed"
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    material_sent = call_passed and _late_material(stores, visit, application)
    page = {"withdraw": withdraw_link(stores, visit, application)}
    if not call_passed:
        page = {"prep_call": prep_call_link(stores, visit, application), **page}
    message = outbound.compose(application.email, kind, (visit_invitation(visit, application),),
                               name=application.name, visit=visit, change="confirmed",
                               call_passed=call_passed, material_sent=material_sent, links=page)
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=message, application_id=application.application_id)


def _late_material(stores: Stores, visit: Visit, application: Application) -> bool:
    """Confirmed after the call took place (a late promotion): the background material now, instead."""
    kind, occasion = "background_material", call_occasion(visit)
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return True
    return outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion,
                              recipient=application.email, email=background_material(stores, visit, application),
                              application_id=application.application_id)


def send_call_invitation(stores: Stores, visit: Visit, application: Application, occasion: str, *,
                         why: str = "invited") -> None:
    """The call's invitation to a confirmed visitor joining it. `why`: "confirmed" (with the visit's event,
    now CONFIRMED), "rejoined" (they can join after all) or "invited" (a colleague's confirmed place)."""
    kind = "prep_call_invite"
    if outbound.already_sent(stores, visit.visit_id, kind, occasion, application.email):
        return
    attachments = (visit_invitation(visit, application) if why == "confirmed" else None,
                   call_invitation(visit, application))
    message = outbound.compose(application.email, kind, attachments, name=application.name, visit=visit, why=why,
                               links={"prep_call": prep_call_link(stores, visit, application),
                                      "withdraw": withdraw_link(stores, visit, application)})
    outbound.send_once(stores, visit=visit, kind=kind, occasion=occasion, recipient=application.email,
                       email=message, application_id=application.application_id)


def withdraw_link(stores: Stores, visit: Visit, application: Application) -> str:
    return links.issue(stores, application.application_id, "withdraw", visit,
                       offer_expires_at=application.offer_expires_at)


def prep_call_reminder(stores: Stores, visit: Visit, application: Application,
                       kind: str = "prep_call_reminder") -> Email:
    return outbound.compose(application.email, "prep_call_reminder", name=application.name, visit=visit,
                 links={"prep_call": prep_call_link(stores, visit, application)})


def background_material(stores: Stores, visit: Visit, application: Application, kind: str = "background_material",
                        only: str | None = None) -> Email:
    """The visit's uploaded material, attached (text files also shown in the email); a default text if none.

    `only` names one file just added after the timed email went: that file alone is sent.
    """
    from shared.services import material as uploads  # the registry of uploaded files

    texts: list[str] = []
    attachments: list[Attachment] = []
    for document in uploads.documents_of(stores, visit.visit_id, only):
        if document.content_type.split(";")[0].strip() in TEXT_TYPES:
            texts.append(document.content.decode("utf-8", "replace").strip())
        attachments.append(Attachment(document.filename, document.content_type, document.content))
    if only is not None:
        texts.insert(0, f"This has just been added to the background material for the visit: {only}.")
    material = "\n\n".join(texts) if texts else default_material(visit)
    if attachments:
        material += "\n\nAttached: " + ", ".join(a.filename for a in attachments) + "."
    return outbound.compose(application.email, "background_material", tuple(attachments), name=application.name,
                            visit=visit, material=material)


def default_material(visit: Visit) -> str:
    return (f"The visit's theme is \"{visit.theme}\", hosted by {visit.host.organisation}. "
            "Before the visit, please look at how your own organisation approaches this theme today, "
            "and which of your questions matter most to you and your colleagues.\n\n"
            # Sent the day before the call: it promises nothing from a call that has not happened yet.
            "On the preparation call the rest of the group will agree which questions to put to the host and "
            "how the day will run; bring your own questions on the day and they will be heard too.")
