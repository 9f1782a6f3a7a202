"""Reminders function: the visitors' preparation and follow-up routes, the timeline, and every
timed communication, calendar update and cancellation (reactions to events and timers through SQS)."""
from functions.reminders import routes
from shared.consumer import Consumer
from shared.entry import api_function
from shared.models.events import (
    ApplicationConfirmed,
    ApplicationSubstituted,
    ApplicationWithdrawn,
    MaterialUploaded,
    SubstituteTookPlace,
    VisitCancelled,
    VisitCreated,
    VisitScheduleChanged,
)
from shared.services import material, preparation, reminders, substitution

consume = Consumer({
    VisitCreated: reminders.on_visit_created,
    VisitScheduleChanged: reminders.on_schedule_changed,
    VisitCancelled: reminders.on_cancelled,
    ApplicationConfirmed: preparation.on_confirmed,
    ApplicationWithdrawn: reminders.on_withdrawn,
    ApplicationSubstituted: reminders.on_substituted,
    SubstituteTookPlace: substitution.on_substitute_took_place,
    MaterialUploaded: material.on_uploaded,
}, timers={"communication": reminders.on_communication})

app, handler = api_function(routes.router, consume=consume)
