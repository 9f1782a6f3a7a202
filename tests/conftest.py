"""Fixtures shared by every layer of tests."""
from __future__ import annotations

import os


TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-2", "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "TABLE_NAME": "programme", "IDEMPOTENCY_TABLE_NAME": "idempotency", "EVENT_BUS_NAME": "programme-bus",
    "BUCKET_NAME": "programme-documents", "MAIL_FROM": "programme@peer-learning.example",
    "PROGRAMME_TEAM_EMAIL": "visits-team@peer-learning.example",
    "PUBLIC_BASE_URL": "https://api.test", "LOCAL_TOKEN_SECRET": "test-secret",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
}
os.environ.update(TEST_ENV)

# Property tests (hypothesis): a budget that keeps `make test` quick, and a thorough one on request.
from hypothesis import settings  # noqa: E402

settings.register_profile("default", max_examples=400)
settings.register_profile("thorough", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# Unit tests and the stores' contract open no socket (moto runs in-process): pytest-socket makes any
# attempt fail, so a test that would reach the network says so at once. The X-Ray SDK makes its UDP
# emitter's socket once, on import (Powertools' Tracer, even disabled): made here, before the block.
NO_SOCKETS = ("tests/unit/", "tests/stores/")

import shared.observability  # noqa: E402,F401


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if any(part in item.nodeid for part in NO_SOCKETS):
            item.add_marker(pytest.mark.disable_socket)
