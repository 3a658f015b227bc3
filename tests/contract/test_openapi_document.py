"""Every service's OpenAPI document lists the problem answers its routes really give.

The fuzz (test_openapi_fuzz.py) proves the answers match; these pin the rules, and the
answers the fuzz found undocumented, without starting anything.
"""

from __future__ import annotations

from typing import Any

import pytest

from gridcase.services import BY_NAME, SERVICES
from shared.auth.policy import Access
from shared.http.openapi import operation_routes
from shared.http.problems import PROBLEM_JSON
from shared.settings import GridcaseSettings

SETTINGS = GridcaseSettings(
    database_url="postgresql://x@127.0.0.1:1/x", kafka_bootstrap_servers="x"
)
PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}


def document(service: str) -> dict[str, Any]:
    app = BY_NAME[service].build_app(BY_NAME[service].build_runtime(SETTINGS))
    result: dict[str, Any] = app.openapi()
    return result


def responses(service: str, method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document(service)["paths"][path][method]["responses"]
    return found


def _access(route: Any) -> Access | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Access):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_every_operation_documents_its_problem_answers(service: str) -> None:
    app = BY_NAME[service].build_app(BY_NAME[service].build_runtime(SETTINGS))
    paths = app.openapi()["paths"]
    operations = 0
    for route in operation_routes(app):
        if not route.include_in_schema:
            continue
        access = _access(route)
        for method in route.methods or ():
            answers = paths[route.path_format][method.lower()]["responses"]
            operations += 1
            protected = access is not None and not access.public
            declared = {str(s) for s in route.responses}
            for status in ("401", "403"):
                assert (status in answers) == (protected or status in declared), (
                    method,
                    route.path_format,
                    status,
                )
            if route.dependant.path_params:
                assert "404" in answers, (method, route.path_format)
            for status, answer in answers.items():
                # Open311 answers its spec's error list; everything else a problem.
                if status.startswith("4") and not str(route.path_format).startswith("/open311/"):
                    assert answer["content"][PROBLEM_JSON] == PROBLEM, (route.path, status)
            assert "HTTPValidationError" not in str(answers)
    assert operations > 0


def test_no_document_keeps_fastapis_own_validation_error_shape() -> None:
    for service in SERVICES:
        schemas = document(service.name)["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert schemas["Problem"]["required"] == ["type", "title", "status"]


def test_rate_limited_and_refusing_sign_in_answers_are_documented() -> None:
    login = responses("routing", "post", "/auth/login")
    assert {"401", "422", "423", "429"} <= set(login)
    assert login["429"]["content"][PROBLEM_JSON] == PROBLEM
    assert "429" in responses("intake", "post", "/public/reports")
    # Residents' uploads are rate-limited too (found by the fuzz: 429 undocumented).
    assert "429" in responses("intake", "post", "/attachments")


def test_a_refused_attachment_type_is_documented() -> None:
    assert responses("intake", "post", "/attachments")["415"]["content"] == {PROBLEM_JSON: PROBLEM}


def test_exports_document_the_types_they_answer() -> None:
    export = responses("routing", "get", "/admin/registry/units/export")["200"]["content"]
    assert {"application/geo+json", "text/csv"} <= set(export)
    assert "text/csv" in responses("routing", "get", "/staff")["200"]["content"]


def test_open311_documents_its_own_error_format_and_two_formats() -> None:
    operation = document("intake")["paths"]["/open311/v2/requests.{fmt}"]["post"]
    fmt = next(p for p in operation["parameters"] if p["name"] == "fmt")
    assert fmt["schema"]["enum"] == ["json", "xml"]
    errors = operation["responses"]["403"]["content"]
    assert errors["application/json"]["schema"]["items"]["required"] == ["code", "description"]
    assert "text/xml" in operation["responses"]["200"]["content"]


@pytest.mark.parametrize("route", ["rejection", "recusal", "escalation", "hand-down"])
def test_reassignments_document_their_idempotency_key_and_refusals(route: str) -> None:
    """回退, 回避, 上报 and 交办 need the header (400 without it, 422 when reused) and say
    how a replayed answer is marked."""
    operation = document("routing")["paths"][f"/cases/{{case_id}}/routing/{route}"]["post"]
    [key] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (key["name"], key["required"], key["schema"]["maxLength"]) == (
        "Idempotency-Key",
        True,
        200,
    )
    answers = operation["responses"]
    assert {"400", "403", "404", "409", "422"} <= set(answers)
    assert "Idempotency-Key" in answers["400"]["description"]
    assert "idempotency-key-reused" in answers["422"]["description"]
    assert "Idempotency-Replayed" in answers["201"]["headers"]
