"""Schemathesis over every operation of the four services, in-process on a real stack.

Each service's app runs in this process (its lifespan started by schemathesis's ASGI
transport: real PostgreSQL, real Kafka) and every operation of its OpenAPI document is
called with generated valid and invalid input, anonymously and with a token of a role
the operation allows (an administrator where allowed, else the widest role it takes).
No answer may be a 5xx, and every answer must be documented: its status, its content
type (``application/problem+json`` for errors) and its body's schema.

Bounded and derandomized (the same requests every run), a few examples per operation
and mode. Run it alone: ``.venv/bin/pytest tests/contract/test_openapi_fuzz.py``;
``GRIDCASE_FUZZ_SCALE=10`` multiplies the examples for a deeper run.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import RouteContext
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.python.asgi import shutdown_lifespans

from gridcase.services import BY_NAME
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import mint_token
from shared.http.openapi import operation_routes
from tests.harness import ROLE_DEFAULTS, Stack

pytestmark = [
    pytest.mark.integration,
    # schemathesis's strategies draw from `random`; not ours to change.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

# Examples per operation: (generation mode, with a token?) → how many, times
# GRIDCASE_FUZZ_SCALE (1 in CI; more for a deeper run by hand).
SCALE = float(os.environ.get("GRIDCASE_FUZZ_SCALE", "1"))
EXAMPLES = {
    (GenerationMode.POSITIVE, True): max(1, round(8 * SCALE)),
    (GenerationMode.NEGATIVE, True): max(1, round(5 * SCALE)),
    (GenerationMode.POSITIVE, False): max(1, round(2 * SCALE)),
    (GenerationMode.NEGATIVE, False): max(1, round(1 * SCALE)),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The widest role first: who calls an operation when a token is sent.
WIDEST_FIRST = (
    roles.ADMIN,
    roles.DISTRICT_OPERATOR,
    roles.STREET_OPERATOR,
    roles.COMMUNITY_OPERATOR,
    roles.MEDIATOR,
    roles.COMMUNITY_POLICE,
    roles.LEGAL_ADVISER,
    roles.GRID_OFFICER,
)


def access_of(route: RouteContext) -> Access | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Access):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


def token_headers(stack: Stack, app: FastAPI) -> dict[tuple[str, str], dict[str, str]]:
    """(METHOD, path) → the Authorization header of the widest role the route allows."""
    headers = {}
    for route in operation_routes(app):
        access = access_of(route)
        allowed = [r for r in WIDEST_FIRST if access is None or access.public or r in access.roles]
        role = allowed[0] if allowed else roles.ADMIN
        staff_id, units = ROLE_DEFAULTS[role]
        if role == roles.ADMIN:
            units = ("451102",)
        token = mint_token(stack.settings.secret_key, staff_id, role, units)
        for method in route.methods or ():
            headers[(method, str(route.path_format))] = {"Authorization": f"Bearer {token}"}
    return headers


@dataclass
class Findings:
    calls: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def check(self, case: schemathesis.Case[Any], headers: dict[str, str], label: str) -> None:
        """Call the operation with ``case`` and record any undocumented answer."""
        response = case.call(headers=headers)
        self.calls += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as exc:
            failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
            for failure in failures:
                title = getattr(failure, "title", None) or str(failure).strip().split("\n")[0]
                key = f"{label}: {response.status_code} {title}"
                self.failures.setdefault(
                    key,
                    f"{key}\n    {case.method} {case.formatted_path} query={case.query} "
                    f"headers={case.headers} body={str(case.body)[:200]}\n"
                    f"    {str(failure).strip()[:300]}\n    answer: {response.text[:300]}",
                )


def explore(
    findings: Findings,
    operation: Any,
    mode: GenerationMode,
    examples: int,
    headers: dict[str, str],
    label: str,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,  # the same requests every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        findings.check(case, headers, label)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid: an operation without parameters or body.
        assert mode is GenerationMode.NEGATIVE, label


def fuzz(stack: Stack, service: str) -> Findings:
    app = BY_NAME[service].build_app(stack.runtime(service))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tokens = token_headers(stack, app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    findings = Findings()
    for operation in operations:
        for (mode, with_token), examples in EXAMPLES.items():
            headers = tokens[(operation.method.upper(), operation.path)] if with_token else {}
            label = f"{operation.label} {'token' if with_token else 'anonymous'} {mode.value}"
            explore(findings, operation, mode, examples, headers, label)
    return findings


@pytest.mark.parametrize("service", ["intake", "routing", "mediation", "escalation"])
async def test_every_operation_answers_as_documented(stack: Stack, service: str) -> None:
    stack.settings.gc_gen0_threshold = 0  # the test process keeps Python's collector
    started = time.monotonic()
    try:
        findings = await asyncio.to_thread(fuzz, stack, service)
    finally:
        await asyncio.to_thread(shutdown_lifespans)
    print(f"{service}: {findings.calls} calls in {time.monotonic() - started:.1f}s")
    failures = sorted(findings.failures.values())
    assert failures == [], f"{len(failures)} kinds of failure:\n" + "\n".join(failures)
    assert findings.calls > 0
