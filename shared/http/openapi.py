"""The problem answers every operation really gives, written into the OpenAPI document.

FastAPI documents only a route's success and its 422, as ``application/json`` in its own
shape, while every GridCase error is an RFC 9457 ``application/problem+json`` (see
``shared.http.problems``). ``document_problem_responses`` rewrites the generated
document once, for every operation of the app, routes added later included:

- 400 for every operation (NUL in the path or query; bad JSON or Idempotency-Key);
- 413 and 422 for operations with a body; 422 for operations with parameters;
- 401 and 403 for operations behind a non-public ``Access``;
- 404 for operations with path parameters (unknown, or outside the caller's
  jurisdiction);
- whatever a dependency declares with ``answers(…)`` (e.g. 429 of a rate limit), and any
  4xx a route lists in its own ``responses=`` (e.g. 409) without a body of its own.

All of them have the ``Problem`` schema under ``application/problem+json``, beside any
other body a route documents for the same status (Open311 answers in its spec's format).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from shared.http.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": (
        "RFC 9457 problem details, in Chinese unless Accept-Language ranks English "
        "higher; invalid input lists one entry per field in `errors`."
    ),
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer into the request"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}
DESCRIPTIONS = {
    400: "Bad request (NUL characters, malformed JSON or Idempotency-Key, JSON nested too deep)",
    401: "No valid access token",
    403: "The caller's role or scope may not use this operation",
    404: "Not found, or outside the caller's jurisdiction",
    409: "Conflicts with the current state",
    412: "A precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input: one entry per field in `errors`",
    429: "Too many requests; see Retry-After",
}
ANSWERS_ATTRIBUTE = "__problem_answers__"

F = TypeVar("F", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a FastAPI dependency as one that may answer these problem statuses, so that
    every operation depending on it documents them (e.g. ``@answers(429)``)."""

    def mark(dependency: F) -> F:
        setattr(dependency, ANSWERS_ATTRIBUTE, tuple(statuses))
        return dependency

    return mark


def operation_routes(app: FastAPI) -> list[RouteContext]:
    """Every API route of the app as requests reach it (with its routers' dependencies)."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


def _dependency_answers(route: RouteContext) -> set[int]:
    """Statuses the route's dependencies declare, wherever in its dependency tree."""
    found: set[int] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        found.update(getattr(dependency.call, ANSWERS_ATTRIBUTE, ()))
        pending.extend(dependency.dependencies)
    return found


def problem_statuses(route: RouteContext) -> set[int]:
    """The problem statuses the operation can answer, from what the route is made of."""
    dependant = route.dependant
    statuses = {400} | _dependency_answers(route)
    has_body = route.body_field is not None
    has_parameters = bool(
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
    )
    if has_body:
        statuses |= {413, 422}
    if has_parameters:
        statuses.add(422)
    if dependant.path_params:
        statuses.add(404)
    return statuses


def declared_statuses(route: RouteContext) -> set[int]:
    """The 4xx a route (or its router) lists in its own ``responses=``."""
    return {int(s) for s in route.responses if str(s).isdigit() and 400 <= int(s) < 500}


def _with_problem(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The documented answer, with the problem schema beside any content already there."""
    description = (existing or {}).get("description") or DESCRIPTIONS.get(status, "Problem")
    if status == 422 and description == "Validation Error":  # FastAPI's own
        description = DESCRIPTIONS[422]
    content = {
        media: body
        for media, body in ((existing or {}).get("content") or {}).items()
        if "HTTPValidationError" not in str(body)
    }
    content[PROBLEM_JSON] = {"schema": PROBLEM_REF}
    return {"description": description, "content": content}


def add_problem_responses(
    document: dict[str, Any], routes: Iterable[RouteContext]
) -> dict[str, Any]:
    """``document`` with every operation's problem answers (changed in place)."""
    for route in routes:
        if not route.include_in_schema:
            continue
        operations = document.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(problem_statuses(route)):
                responses[str(status)] = _with_problem(status, responses.get(str(status)))
            for status in sorted(declared_statuses(route)):
                answer = responses.get(str(status)) or {}
                if not answer.get("content"):  # declared without a body: a problem
                    responses[str(status)] = _with_problem(status, answer)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own validation-error shapes: no GridCase answer has them.
    if "HTTPValidationError" not in str(document.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


class DocsUrls(TypedDict):
    openapi_url: str | None
    docs_url: str | None
    redoc_url: str | None


def docs_urls(enabled: bool) -> DocsUrls:
    """FastAPI's documentation routes, or none of them (``GRIDCASE_API_DOCS``)."""
    if enabled:
        return {"openapi_url": "/openapi.json", "docs_url": "/docs", "redoc_url": "/redoc"}
    return {"openapi_url": None, "docs_url": None, "redoc_url": None}


def document_problem_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` add the problem answers to what FastAPI generates."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(generate(), operation_routes(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
