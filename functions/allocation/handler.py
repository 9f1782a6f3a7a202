"""Allocation function: its API routes, and its reactions to events and timers (through SQS)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.allocation import routes
    from shared.consumer import Consumer
    from shared.entry import api_function

# Events and reactions by name: imported when the first event arrives, not on a cold start for a request.
OFFERS, ALLOCATION = "shared.services.offers", "shared.services.allocation"
consume = Consumer({
    "ApplicationOffered": f"{OFFERS}:on_offered",
    "ApplicationWaitlisted": f"{OFFERS}:on_waitlisted",
    "ApplicationWithdrawn": f"{OFFERS}:on_withdrawn",
    "ApplicationExpired": f"{OFFERS}:on_expired",
    "AllocationRan": f"{ALLOCATION}:on_ran",
}, timers={"applications_close": f"{ALLOCATION}:on_applications_close", "offer_expiry": f"{OFFERS}:on_offer_expiry",
           "offer_reminder": f"{OFFERS}:on_offer_reminder"})

app, handler = api_function(routes.router, consume=consume)
