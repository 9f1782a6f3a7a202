"""Allocation function: its API routes, and its reactions to events and timers (through SQS)."""
from functions.allocation import routes
from shared.consumer import Consumer
from shared.entry import api_function
from shared.models.events import (
    AllocationRan,
    ApplicationExpired,
    ApplicationOffered,
    ApplicationWaitlisted,
    ApplicationWithdrawn,
)
from shared.services import allocation, offers

consume = Consumer({
    ApplicationOffered: offers.on_offered,
    ApplicationWaitlisted: offers.on_waitlisted,
    ApplicationWithdrawn: offers.on_withdrawn,
    ApplicationExpired: offers.on_expired,
    AllocationRan: allocation.on_ran,
}, timers={"applications_close": allocation.on_applications_close, "offer_expiry": offers.on_offer_expiry})

app, handler = api_function(routes.router, consume=consume)
