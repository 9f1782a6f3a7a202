"""Reminders function: the visitors' preparation and follow-up routes, the timeline, and every
timed communication, calendar update and cancellation (reactions to events and timers through SQS)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.reminders import routes
    from shared.consumer import Consumer
    from shared.entry import api_function

# Events and reactions by name: imported when the first event arrives, not on a cold start for a request.
REMINDERS = "shared.services.reminders"
consume = Consumer({
    "VisitCreated": f"{REMINDERS}:on_visit_created",
    "VisitScheduleChanged": f"{REMINDERS}:on_schedule_changed",
    "VisitCancelled": "shared.services.leaving:on_cancelled",
    "ApplicationConfirmed": "shared.services.preparation:on_confirmed",
    "ApplicationWithdrawn": "shared.services.leaving:on_withdrawn",
    "ApplicationSubstituted": "shared.services.leaving:on_substituted",
    "SubstituteTookPlace": "shared.services.substitution:on_substitute_took_place",
    "MaterialUploaded": "shared.services.material:on_uploaded",
    "PrepCallChanged": f"{REMINDERS}:on_prep_call_changed",
}, timers={"communication": f"{REMINDERS}:on_communication"})

app, handler = api_function(routes.router, consume=consume)
