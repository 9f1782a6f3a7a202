"""Intake function: the applications API, and the receipt as its reaction to ApplicationSubmitted (through SQS)."""
from functions.intake import routes
from shared.consumer import make_consumer
from shared.entry import api_function
from shared.services import intake

consume = make_consumer({"ApplicationSubmitted": intake.send_receipts})

app, handler = api_function(routes.router, consume=consume)
