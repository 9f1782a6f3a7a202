"""Reminders function: the visitors' preparation and follow-up routes, the timeline, and every
timed communication, calendar update and cancellation (reactions to events and timers through SQS)."""
from functions.reminders import routes
from shared.consumer import make_consumer, timer_reactions
from shared.entry import api_function
from shared.services import preparation, reminders


consume = make_consumer({
    "VisitCreated": reminders.on_visit_created,
    "VisitScheduleChanged": reminders.on_schedule_changed,
    "VisitCancelled": reminders.on_cancelled,
    "ApplicationConfirmed": preparation.on_confirmed,
    "ApplicationWithdrawn": reminders.on_withdrawn,
    "TimerFired": timer_reactions({"communication": reminders.on_communication_due}),
})

app, handler = api_function(routes.router, consume=consume)
