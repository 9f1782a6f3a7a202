"""Intake function: the applications API, and the receipt as its reaction to ApplicationSubmitted (through SQS)."""
import base64
import binascii
import json

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.intake import routes
from shared.consumer import make_consumer
from shared.http import MAX_BODY_BYTES, handle, make_resolver
from shared.observability import logger, metrics, tracer
from shared.services import intake

app = make_resolver()
app.include_router(routes.router)

consume = make_consumer({"ApplicationSubmitted": intake.send_receipts})


def _is_sqs(event: dict) -> bool:
    records = event.get("Records") or []
    return bool(records) and records[0].get("eventSource") == "aws:sqs"


def _too_large(event: dict) -> dict | None:
    """413 before anything else reads the body (validation would otherwise answer 422 first)."""
    body = event.get("body") or ""
    size = len(body.encode("utf-8", "surrogatepass"))
    if event.get("isBase64Encoded"):
        try:
            size = len(base64.b64decode(body))
        except (binascii.Error, ValueError):
            pass
    if size <= MAX_BODY_BYTES:
        return None
    return {"statusCode": 413, "headers": {"Content-Type": "application/json"}, "isBase64Encoded": False,
            "body": json.dumps({"message": f"the body is larger than {MAX_BODY_BYTES} bytes"})}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    if _is_sqs(event):
        return consume(event, context)
    return _too_large(event) or handle(app, event, context)
