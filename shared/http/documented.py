"""A route's success answer as the OpenAPI document declares it, named without importing its model.

The answer models (shared/models/responses.py) are documentation only: a route names its model, the
`responses=` entry refers to the document's component of that name, and the visits function's
OpenAPI document (functions/visits/openapi.py) builds those components when it is first asked for.
No cold start, and no route's first request, builds a model only the document reads.
"""
from __future__ import annotations

COMPONENT = "#/components/schemas/{model}"


def schema(*models: str) -> dict:
    """The JSON schema of an answer that is one of `models` (names in shared/models/responses.py)."""
    refs = [{"$ref": COMPONENT.format(model=model)} for model in models]
    return refs[0] if len(refs) == 1 else {"anyOf": refs}


def response(description: str, *models: str, status: int = 200) -> dict:
    """A Powertools `responses=` entry answering one of `models` as JSON."""
    return {status: {"description": description, "content": {"application/json": {"schema": schema(*models)}}}}


def referenced(document: dict) -> set[str]:
    """The component names the document refers to (answers included)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(COMPONENT.format(model="")):
                found.add(ref.rsplit("/", 1)[1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found
