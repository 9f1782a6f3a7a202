"""Reports function: its API routes, and its reactions to learning points and to its timers (through SQS)."""
from functions.reports import routes
from shared.consumer import make_consumer, timer_reactions
from shared.entry import api_function
from shared.services import reports

consume = make_consumer({
    "LearningPointsSubmitted": reports.on_points_submitted,
    "TimerFired": timer_reactions({"report_due": reports.report_due, "impact_due": reports.impact_due}),
})

app, handler = api_function(routes.router, consume=consume)
