"""Intake function: the applications API, and the receipt as its reaction to ApplicationSubmitted (through SQS)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.intake import routes
    from shared.consumer import Consumer
    from shared.entry import api_function

# Events and reactions by name: imported when the first event arrives, not on a cold start for a request.
consume = Consumer({"ApplicationSubmitted": "shared.services.intake:on_submitted"})

app, handler = api_function(routes.router, consume=consume)
