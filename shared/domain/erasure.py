"""Erasing a person (`DELETE /people/{email}`): what their applications keep and what they lose.

An erased application keeps what the programme's record needs and says nothing of who it was:
its id, visit, organisation, role, status and dates stay; the name, email, job title,
motivation, questions and accessibility needs are replaced by placeholders. The placeholder
address is on `.invalid` (RFC 2606: never deliverable), unique per application so that the
stores' keys stay unique, and the one test of "never mail this person again".
Their learning points stay, unattributed: a report names no erased visitor.
"""
from __future__ import annotations

from typing import Iterable

ERASED = "(erased)"
ERASED_DOMAIN = "erased.invalid"


def placeholder_email(application_id: str) -> str:
    return f"erased-{application_id}@{ERASED_DOMAIN}"


def is_erased_address(address: str) -> bool:
    return address.strip().lower().endswith("@" + ERASED_DOMAIN)


def erased_fields(application_id: str) -> dict:
    """The personal fields of an application, as an erased one holds them."""
    return {"name": ERASED, "email": placeholder_email(application_id), "job_title": ERASED,
            "motivation": ERASED, "questions": [ERASED], "accessibility_needs": None}


def erased_visitor(visitor: dict, application_id: str) -> dict:
    """A report's visitor entry with nothing personal left (its organisation and role stay)."""
    return {**visitor, "name": ERASED, "email": placeholder_email(application_id), "job_title": ERASED,
            "questions": []}


def scrub_report(report: dict, application_ids: Iterable[str]) -> tuple[dict, bool]:
    """A report snapshot (as JSON) with these applications' visitors erased; whether anything changed.
    Their contributions (learning points, what they will adopt) stay: they name no one."""
    erased = set(application_ids)
    visitors, changed = [], False
    for visitor in report.get("visitors", []):
        if visitor.get("application_id") in erased and visitor.get("name") != ERASED:
            visitor, changed = erased_visitor(visitor, visitor["application_id"]), True
        visitors.append(visitor)
    return {**report, "visitors": visitors}, changed
