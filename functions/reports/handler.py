"""Reports function: its API routes, and its reactions to learning points, attendance and its timers (through SQS)."""
from functions.reports import routes
from shared.consumer import Consumer
from shared.entry import api_function
from shared.models.events import AttendanceRecorded, LearningPointsSubmitted
from shared.services import reports

consume = Consumer({LearningPointsSubmitted: reports.on_points_submitted,
                    AttendanceRecorded: reports.on_points_submitted},
                   timers={"report_due": reports.on_report_due, "impact_due": reports.on_impact_due})

app, handler = api_function(routes.router, consume=consume)
