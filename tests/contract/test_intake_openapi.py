"""Schemathesis over intake's OpenAPI document against a real uvicorn process: no 5xx.

Bounded (a few examples per operation) so the suite stays fast; the server runs in its
own process so that the generated requests go through the real HTTP stack.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from gridcase.devstack.ports import free_port, wait_for_port
from shared.auth.tokens import mint_token
from shared.settings import PLACEHOLDER_SECRET
from tests.harness import Stack

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 12


def _serve(stack: Stack, port: int, attachments: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": stack.database_url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_servers(),
        "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
        "GRIDCASE_SECRET_KEY": PLACEHOLDER_SECRET,
        "GRIDCASE_ENVIRONMENT": "test",
        "GRIDCASE_INTAKE_ATTACHMENTS_DIR": attachments,
        "GRIDCASE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "services.intake.bootstrap:app_factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )


async def test_no_operation_answers_5xx(stack: Stack) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as attachments:
        server = _serve(stack, port, attachments)
        try:
            assert await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60)
            base = f"http://127.0.0.1:{port}"
            failures = await asyncio.to_thread(_fuzz, base)
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert failures == [], "\n".join(failures)


def _fuzz(base: str) -> list[str]:
    schema = schemathesis.openapi.from_url(base + "/openapi.json", wait_for_schema=30)
    token = mint_token(PLACEHOLDER_SECRET, "go-002", "admin", [])
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    calls = [0]
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15  # every route is in the document

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=base, headers=headers, timeout=30)
            calls[0] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.operation.label}: {response.status_code} for "
                    f"{case.path_parameters} {case.query} {str(case.body)[:200]}"
                )

        run()
    assert calls[0] >= 2 * len(operations), calls  # the fuzzing really ran
    return failures
