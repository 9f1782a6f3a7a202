"""The one declaration of how requests, events and schedules reach functions.

Both the CDK app (`infra/`) and the local stack (`local/`) are built from these tuples;
nothing about routing is written anywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from shared.domain.material import BINARY_MEDIA_TYPES as MATERIAL_BINARY_TYPES

EVENT_SOURCE = "peer-learning-visits"

# What a function may do, each the narrowest grant the CDK app can make; the template is
# checked against these and these against the calls each function makes on the local stack
# (tests/infra/test_least_privilege.py). "table:<action>" is one DynamoDB action on the main
# table (Query also on its indexes; a transaction needs the action of each of its items);
# "bucket:<action>" one S3 action on the programme's bucket; "idempotency" Powertools'
# records (Get/Put/Update/DeleteItem on their table); "mail:send" SES v2 SendEmail from the
# programme's identity; "bus:put" PutEvents on the programme's bus; "timers:mark" UpdateItem on the
# hourly sweep's mark alone (its partition, by the dynamodb:LeadingKeys condition).
TABLE_ACTIONS = ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem")
BUCKET_ACTIONS = ("GetObject", "PutObject", "DeleteObject", "ListBucket")
NEEDS = frozenset({*(f"table:{a}" for a in TABLE_ACTIONS), *(f"bucket:{a}" for a in BUCKET_ACTIONS),
                   "idempotency", "mail:send", "bus:put", "timers:mark"})

# Where Cognito's managed login sends people back after signing in and out (the console's
# pages; the CDK app registers both on the app client, authorization code with PKCE only).
SIGN_IN_CALLBACK_PATH = "/console/callback"
SIGNED_OUT_PATH = "/console/signed-out"

# public: no authorizer (a handler may still read an optional bearer token itself);
# member: the Cognito authorizer, any signed-in user; coordinator: the authorizer plus the
# `coordinators` group, checked again in the handler.
Access = Literal["public", "member", "coordinator"]


@dataclass(frozen=True)
class Function:
    name: str
    handler: str
    description: str
    needs: frozenset[str]
    timeout_seconds: int = 30
    memory_mb: int = 1024


JSON_BODY_BYTES = 64 * 1024

# Request bodies API Gateway hands to Lambda base64-encoded, byte for byte (its binaryMediaTypes;
# any other body arrives as text): the background material's binary files (PUT) and the console's
# file upload form (multipart/form-data, whose parts may be binary). The CDK app declares these on
# the REST API and the local stack encodes such bodies the same way.
BINARY_MEDIA_TYPES: tuple[str, ...] = (*MATERIAL_BINARY_TYPES, "multipart/form-data")


def is_binary(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this Content-Type to Lambda base64-encoded: its media type
    (parameters such as a multipart boundary aside, any case) is one of BINARY_MEDIA_TYPES."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media in BINARY_MEDIA_TYPES


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    access: Access
    # Also takes a browser's form (application/x-www-form-urlencoded), as well as JSON.
    forms: bool = False
    # "json": a JSON object (415 for another type); "raw": the bytes as sent (a file), checked by the handler.
    body: Literal["json", "raw"] = "json"
    max_body_bytes: int = JSON_BODY_BYTES


@dataclass(frozen=True)
class EventRule:
    """Events of these detail-types (optionally narrowed by a detail pattern) go to the
    function through its own SQS queue (with a DLQ)."""

    name: str
    function: str
    detail_types: tuple[str, ...]
    detail: dict = field(default_factory=dict)

    def pattern(self) -> dict:
        """The EventBridge event pattern of this rule (the CDK app and the local stack alike)."""
        pattern: dict = {"source": [EVENT_SOURCE], "detail-type": list(self.detail_types)}
        if self.detail:
            pattern["detail"] = self.detail
        return pattern


@dataclass(frozen=True)
class QueueDelivery:
    """How events reach a consumer: its SQS queue (with a DLQ) → the function, partial batch failures."""

    batch_size: int = 10                  # messages per invocation (Lambda's default for SQS)
    # Concurrent invocations per consumer (2 is the least AWS allows): four consumers at two each stay
    # within SES's default 14 messages a second, and a burst of events waits in its queue.
    max_concurrency: int = 2
    max_receive_count: int = 5            # receives before a message moves to the DLQ
    visibility_timeouts: int = 6          # the queue's visibility timeout, in function timeouts (AWS's advice)
    retention: timedelta = timedelta(days=4)
    dlq_retention: timedelta = timedelta(days=14)

    def visibility_timeout_seconds(self, function: "Function") -> int:
        return self.visibility_timeouts * function.timeout_seconds


@dataclass(frozen=True)
class StreamDelivery:
    """How the table's stream reaches its consumer (the publisher)."""

    batch_size: int = 100                 # records per invocation (Lambda's default for DynamoDB streams)
    retry_attempts: int = 10              # retries of a failing batch, then its records go to the DLQ
    bisect_on_error: bool = True          # a batch that makes no progress is split in two and each half retried
    dlq_retention: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class Schedule:
    name: str
    function: str
    every: timedelta
    retry_attempts: int = 2               # EventBridge's retries of an invocation that failed to start
    max_event_age: timedelta = timedelta(hours=1)

    @property
    def expression(self) -> str:
        hours = self.every / timedelta(hours=1)
        if hours == int(hours):
            n = int(hours)
            return f"rate({n} hour{'s' if n > 1 else ''})"
        minutes = int(self.every / timedelta(minutes=1))
        return f"rate({minutes} minute{'s' if minutes > 1 else ''})"


def _needs(*table: str, other: tuple[str, ...] = ()) -> frozenset[str]:
    needs = frozenset({*(f"table:{action}" for action in table), *other})
    unknown = needs - NEEDS
    if unknown:
        raise ValueError(f"unknown needs {sorted(unknown)}")
    return needs


FUNCTIONS: tuple[Function, ...] = (
    Function("visits", "functions.visits.handler.handler",
             "Visits API, visitors' email links and the OpenAPI document",
             _needs("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
                    other=("idempotency",))),
    Function("intake", "functions.intake.handler.handler",
             "Applications: submit, read, withdraw, list; receipts",
             _needs("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
                    other=("idempotency", "mail:send"))),
    Function("allocation", "functions.allocation.handler.handler",
             "Allocation of places, offers, confirmations, expiry and promotion",
             _needs("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                    other=("idempotency", "mail:send")), timeout_seconds=60),
    Function("reminders", "functions.reminders.handler.handler",
             "Every timed communication, calendar updates and the follow-up",
             _needs("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                    other=("idempotency", "mail:send", "bucket:GetObject", "bucket:PutObject")), timeout_seconds=60),
    Function("reports", "functions.reports.handler.handler",
             "Learning points, the host's report, the public summary and the impact note",
             _needs("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
                    other=("idempotency", "mail:send", "bucket:GetObject", "bucket:PutObject")),
             timeout_seconds=60),
    Function("console", "functions.console.handler.handler",
             "The coordinators' console and the members' pages (HTML; signed in with a session cookie)",
             # mail:send: an email sent again from the timeline, and a visitor's fresh links (resend service).
             _needs("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
                    other=("bucket:GetObject", "bucket:PutObject", "mail:send")),
             timeout_seconds=60),
    Function("people", "functions.people.handler.handler",
             "Personal data: erasing a person, and the coordinators' audit trail",
             _needs("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                    other=("bucket:GetObject", "bucket:PutObject", "bucket:DeleteObject")), timeout_seconds=60),
    Function("publisher", "functions.publisher.handler.handler",
             "Publishes each item's own event from the table's stream to the bus",
             # timers:mark: new timers noted on the sweep's mark (shared/store/timers.py), no other item.
             _needs(other=("bus:put", "timers:mark")), memory_mb=256),
    Function("sweep", "functions.sweep.handler.handler",
             "Hourly: removes due timers, whose removal the publisher announces",
             # GetItem and PutItem: the timers' mark (nothing due costs one read).
             _needs("GetItem", "Query", "PutItem", "DeleteItem"), memory_mb=256),
)

# Pages for people signed in with the session cookie (shared/session.py), not a bearer token: the
# API's authorizer lets them through ("public") and the console function checks the session itself
# (sign-in redirects, 403 for a member on a coordinators' page). Forms post with a CSRF token.
def _pages(*pages: tuple[str, str]) -> tuple[Route, ...]:
    return tuple(Route(method, path, "console", "public", forms=method == "POST") for method, path in pages)


# A file upload from the visit's page: multipart, checked by the console function itself.
CONSOLE_UPLOAD_BYTES = 6 * 1024 * 1024   # one file of at most 5 MB, and the form around it

CONSOLE_ROUTES = (Route("POST", "/console/visits/{visit_id}/material", "console", "public", body="raw",
                        max_body_bytes=CONSOLE_UPLOAD_BYTES),) + _pages(
    ("GET", "/console/sign-in"), ("GET", "/console/callback"), ("POST", "/console/sign-out"),
    ("GET", "/console/signed-out"),
    ("GET", "/console"), ("GET", "/console/ledger.csv"),
    ("GET", "/console/visits/new"), ("POST", "/console/visits"),
    ("GET", "/console/visits/{visit_id}"), ("POST", "/console/visits/{visit_id}"),
    ("GET", "/console/visits/{visit_id}/edit"), ("GET", "/console/visits/{visit_id}/applications.csv"),
    ("POST", "/console/visits/{visit_id}/allocation"), ("POST", "/console/visits/{visit_id}/cancel"),
    ("POST", "/console/visits/{visit_id}/hidden-points"),
    ("POST", "/console/applications/{application_id}/withdraw"),
    ("POST", "/console/visits/{visit_id}/attendance"), ("POST", "/console/visits/{visit_id}/resend"),
    ("GET", "/console/applications/{application_id}/substitute"),
    ("POST", "/console/applications/{application_id}/substitute"),
    ("POST", "/console/applications/{application_id}/reissue"),
    ("GET", "/members"), ("GET", "/members/visits/{visit_id}/apply"), ("POST", "/members/visits/{visit_id}/apply"),
    ("POST", "/members/applications/{application_id}/withdraw"),
    ("GET", "/members/applications/{application_id}/substitute"),
    ("POST", "/members/applications/{application_id}/substitute"),
)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/visits", "visits", "public"),
    Route("POST", "/visits", "visits", "coordinator"),
    Route("GET", "/visits/{visit_id}", "visits", "public"),
    Route("PATCH", "/visits/{visit_id}", "visits", "coordinator"),
    Route("POST", "/visits/{visit_id}/cancel", "visits", "coordinator"),
    Route("GET", "/links/{token}", "visits", "public"),
    Route("POST", "/links/{token}", "visits", "public", forms=True),
    Route("GET", "/openapi.json", "visits", "public"),
    Route("GET", "/docs", "visits", "public"),
    Route("GET", "/docs/{file}", "visits", "public"),
    Route("POST", "/visits/{visit_id}/applications", "intake", "member"),
    Route("GET", "/visits/{visit_id}/applications", "intake", "coordinator"),
    Route("GET", "/applications/{application_id}", "intake", "member"),
    Route("POST", "/applications/{application_id}/withdraw", "intake", "member"),
    Route("GET", "/me/applications", "intake", "member"),
    Route("POST", "/applications/{application_id}/substitute", "intake", "member"),
    Route("POST", "/applications/{application_id}/confirm", "allocation", "member"),
    Route("POST", "/visits/{visit_id}/allocation", "allocation", "coordinator"),
    Route("GET", "/visits/{visit_id}/allocation", "allocation", "coordinator"),
    Route("POST", "/applications/{application_id}/prep-call", "reminders", "member"),
    Route("POST", "/applications/{application_id}/reflections", "reminders", "member"),
    Route("POST", "/applications/{application_id}/stop-follow-up", "reminders", "member"),
    Route("GET", "/visits/{visit_id}/timeline", "reminders", "coordinator"),
    Route("POST", "/visits/{visit_id}/timeline/resend", "reminders", "coordinator"),
    Route("POST", "/applications/{application_id}/links/reissue", "reminders", "coordinator"),
    Route("PUT", "/visits/{visit_id}/material/{filename}", "reminders", "coordinator", body="raw",
          max_body_bytes=5 * 1024 * 1024),
    Route("POST", "/applications/{application_id}/learning-points", "reports", "member"),
    Route("GET", "/visits/{visit_id}/report", "reports", "coordinator"),
    Route("POST", "/visits/{visit_id}/report/hidden-points", "reports", "coordinator"),
    Route("POST", "/visits/{visit_id}/attendance", "reports", "coordinator"),
    Route("GET", "/reports/{visit_id}", "reports", "public"),
    *CONSOLE_ROUTES,
    Route("DELETE", "/people/{email}", "people", "coordinator"),
    Route("GET", "/audit", "people", "coordinator"),
)

# Timer kinds (detail.kind of TimerFired) and the function that owns each.
TIMER_KINDS = {
    "applications_close": "allocation",
    "offer_expiry": "allocation",
    "offer_reminder": "allocation",
    "communication": "reminders",
    "report_due": "reports",
    "impact_due": "reports",
}


def _timers_for(function_name: str) -> dict:
    return {"kind": sorted(k for k, f in TIMER_KINDS.items() if f == function_name)}


# Several rules may feed one function; each function has one queue (and one DLQ).
RULES: tuple[EventRule, ...] = (
    # receipts
    EventRule("intake-events", "intake", ("ApplicationSubmitted",)),
    # offers, waiting-list notices and expiry notices; promotion when a place is freed
    EventRule("allocation-events", "allocation",
              ("ApplicationOffered", "ApplicationWithdrawn", "ApplicationExpired", "AllocationRan")),
    # the notice goes when an application joins the list: a move within it (every place freed moves the
    # whole list up one, ~1,500 events in a programme's year) needs no invocation
    EventRule("allocation-waitlist", "allocation", ("ApplicationWaitlisted",), {"first": [True]}),
    EventRule("allocation-timers", "allocation", ("TimerFired",), _timers_for("allocation")),
    # planning every timed communication; calendar updates, call invitations, cancellations
    EventRule("reminders-events", "reminders",
              ("VisitCreated", "VisitScheduleChanged", "VisitCancelled", "ApplicationConfirmed",
               "ApplicationWithdrawn", "ApplicationSubstituted", "SubstituteTookPlace", "MaterialUploaded",
               "PrepCallChanged")),
    EventRule("reminders-timers", "reminders", ("TimerFired",), _timers_for("reminders")),
    # assembling the report early once every visitor who came has answered
    EventRule("reports-events", "reports", ("LearningPointsSubmitted", "AttendanceRecorded")),
    EventRule("reports-timers", "reports", ("TimerFired",), _timers_for("reports")),
)

# The function the main table's stream feeds (each changed item's own event → the bus).
STREAM_CONSUMER = "publisher"

# Delivery policy, read by the CDK app and the local stack alike.
QUEUE_DELIVERY = QueueDelivery()
STREAM_DELIVERY = StreamDelivery()

SCHEDULES: tuple[Schedule, ...] = (
    Schedule("timers-sweep", "sweep", timedelta(hours=1)),
)


def consumers() -> tuple[str, ...]:
    """Functions fed by event rules, each through its own queue."""
    return tuple(dict.fromkeys(r.function for r in RULES))


def function(name: str) -> Function:
    return next(f for f in FUNCTIONS if f.name == name)
