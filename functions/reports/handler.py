"""Reports function: its API routes, and its reactions to learning points, attendance and its timers (through SQS)."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.reports import routes
    from shared.consumer import Consumer
    from shared.entry import api_function

# Events and reactions by name: imported when the first event arrives, not on a cold start for a request.
REPORTS = "shared.services.reports"
consume = Consumer({"LearningPointsSubmitted": f"{REPORTS}:on_points_submitted",
                    "AttendanceRecorded": f"{REPORTS}:on_points_submitted"},
                   timers={"report_due": f"{REPORTS}:on_report_due", "impact_due": f"{REPORTS}:on_impact_due"})

app, handler = api_function(routes.router, consume=consume)
