"""Allocation function: its API routes, and its reactions to events and timers (through SQS)."""
from functions.allocation import routes
from shared.consumer import make_consumer, timer_reactions
from shared.entry import api_function
from shared.services import allocation, offers

consume = make_consumer({
    "ApplicationOffered": offers.notify_offered,
    "ApplicationWaitlisted": offers.notify_waitlisted,
    "ApplicationWithdrawn": offers.on_withdrawn,
    "ApplicationExpired": offers.on_expired,
    "TimerFired": timer_reactions({"applications_close": allocation.close_due, "offer_expiry": offers.expire}),
})

app, handler = api_function(routes.router, consume=consume)
