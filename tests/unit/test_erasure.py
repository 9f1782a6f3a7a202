"""What an erased application and report keep (pure)."""
from __future__ import annotations

from shared.domain import erasure
from shared.models.application import EMAIL_PATTERN

import re


def test_the_placeholder_is_a_valid_but_undeliverable_address_unique_per_application():
    one, other = erasure.placeholder_email("a1"), erasure.placeholder_email("a2")
    assert one != other and re.match(EMAIL_PATTERN, one)
    assert erasure.is_erased_address(one.upper()) and not erasure.is_erased_address("ann@kent.example")
    assert one.endswith(".invalid")  # RFC 2606: never delivered anywhere


def test_scrubbing_a_report_keeps_points_and_organisations_and_drops_who():
    report = {"visitors": [
        {"application_id": "a1", "name": "Ann", "email": "ann@kent.example", "organisation": "Kent Police",
         "role": "police", "job_title": "Inspector", "questions": ["How?"]},
        {"application_id": "a2", "name": "Bob", "email": "bob@kent.example", "organisation": "Kent Police",
         "role": "staff", "job_title": "Analyst", "questions": ["Why?"]}],
        "contributions": [{"application_id": "a1", "points": ["Huddles work"]}]}
    scrubbed, changed = erasure.scrub_report(report, ["a1"])
    assert changed
    ann, bob = scrubbed["visitors"]
    assert "Ann" not in str(ann) and "ann@" not in str(ann) and ann["questions"] == []
    assert ann["organisation"] == "Kent Police" and ann["role"] == "police"
    assert bob == report["visitors"][1] and scrubbed["contributions"] == report["contributions"]
    assert erasure.scrub_report(scrubbed, ["a1"])[1] is False
