"""API Gateway (REST, Lambda proxy integration) in front of the API functions.

Routes come from the topology; requests become the proxy events API Gateway sends, with the
Cognito authorizer emulated for `member`/`coordinator` routes (the local stack's signed tokens
stand in for Cognito ID tokens), and the handlers' answers become HTTP responses.
"""
from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from shared.topology import is_binary

STAGE = "local"


@dataclass(frozen=True)
class Match:
    route: Any                  # shared.topology.Route
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class RouteTable:
    def __init__(self, routes) -> None:
        self.routes = tuple(routes)
        self._templates = [(route, _segments(route.path)) for route in self.routes]

    def _match_template(self, template: list[str], segments: list[str]) -> dict[str, str] | None:
        parameters: dict[str, str] = {}
        for index, part in enumerate(template):
            if part.startswith("{") and part.endswith("+}"):  # greedy proxy parameter
                rest = segments[index:]
                if not rest:
                    return None
                parameters[part[1:-2]] = unquote("/".join(rest))
                return parameters
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                if not segments[index]:
                    return None
                parameters[part[1:-1]] = unquote(segments[index])
            elif part != segments[index]:
                return None
        return parameters if len(template) == len(segments) else None

    def resolve(self, path: str) -> tuple[list[Match], str | None]:
        """Matches of the most specific path template (one per method), and that template."""
        segments = _segments(path)
        candidates: list[tuple[tuple, Match]] = []
        for route, template in self._templates:
            parameters = self._match_template(template, segments)
            if parameters is not None:
                # API Gateway prefers literal segments over parameters, left to right.
                specificity = tuple(0 if p.startswith("{") else 1 for p in template)
                candidates.append((specificity, Match(route, parameters)))
        if not candidates:
            return [], None
        best = max(c[0] for c in candidates)
        matches = [m for s, m in candidates if s == best]
        return matches, matches[0].route.path


def stringify_claims(claims: dict) -> dict[str, str]:
    """The authorizer's claims as API Gateway hands them to the function: every value a string."""
    out: dict[str, str] = {}
    for key, value in claims.items():
        if isinstance(value, (list, tuple)):
            out[key] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def bearer_token(headers: dict[str, list[str]]) -> str | None:
    for name, values in headers.items():
        if name.lower() == "authorization" and values:
            parts = values[-1].split(None, 1)
            if parts and parts[0].lower() == "bearer":
                parts = parts[1:]
            return parts[0].strip() if parts and parts[0].strip() else None
    return None


def proxy_event(*, method: str, raw_path: str, query: str, headers: list[tuple[str, str]], body: bytes,
                match: Match, source_ip: str, claims: dict | None) -> dict:
    """The REST API Gateway proxy event for one request."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    pairs = parse_qsl(query, keep_blank_values=True)
    query_single: dict[str, str] = {}
    query_multi: dict[str, list[str]] = {}
    for name, value in pairs:
        query_single[name] = value
        query_multi.setdefault(name, []).append(value)
    text: str | None
    encoded = False
    content_type = next((value for name, value in headers if name.lower() == "content-type"), None)
    if not body:
        text = None
    elif is_binary(content_type):  # the API's binary media types: always base64, as API Gateway does
        text, encoded = base64.b64encode(body).decode("ascii"), True
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
    request_id = str(uuid.uuid4())
    now = time.time()
    return {
        "resource": match.route.path,
        "path": raw_path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "body": text,
        "isBase64Encoded": encoded,
        "requestContext": {
            "resourceId": "local", "resourcePath": match.route.path, "httpMethod": method,
            "extendedRequestId": request_id, "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{STAGE}{raw_path}", "accountId": "123456789012", "protocol": "HTTP/1.1", "stage": STAGE,
            "domainPrefix": "127", "requestTimeEpoch": int(now * 1000), "requestId": request_id,
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent") or single.get("user-agent"),
                         "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                         "caller": None, "accessKey": None, "cognitoAuthenticationType": None,
                         "cognitoAuthenticationProvider": None, "userArn": None, "user": None},
            "domainName": "127.0.0.1", "apiId": "local",
            "authorizer": {"claims": stringify_claims(claims)} if claims is not None else None,
        },
    }


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


def http_answer(answer: Any) -> HttpAnswer:
    """A Lambda proxy answer as the HTTP response API Gateway sends (502 if malformed)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("statusCode", 200), int):
        return json_answer(502, {"message": "Internal server error"})
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        if name.lower() in _HOP_BY_HOP:
            continue
        seen.add(name.lower())
        for value in values if isinstance(values, list) else [values]:
            headers.append((name, str(value)))
    for name, value in (answer.get("headers") or {}).items():
        if name.lower() in _HOP_BY_HOP or name.lower() in seen:
            continue
        headers.append((name, str(value)))
    body = answer.get("body")
    if body is None:
        data = b""
    elif answer.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except (ValueError, TypeError):
            return json_answer(502, {"message": "Internal server error"})
    else:
        data = str(body).encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpAnswer(int(answer.get("statusCode", 200)), headers, data)


def json_answer(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json"), *(headers or [])],
                      json.dumps(body).encode("utf-8"))
