"""Rate limits and the audit log's source use the client address GridCase computes:
``X-Forwarded-For`` is believed only from ``GRIDCASE_TRUSTED_PROXIES``, and the limits
hold across every process of a service (counted in PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from typing import Any

import httpx
import pytest

from gridcase.devstack.ports import free_port
from gridcase.launcher import service_command
from services.intake import bootstrap as intake_bootstrap
from services.intake.config import IntakeConfig
from services.intake.state import IntakeRuntime
from services.routing import bootstrap as routing_bootstrap
from tests.harness import Stack, TestInfra, eventually, running_stack
from tests.integration.intake.helpers import report

pytestmark = pytest.mark.integration

LIMIT = 3
WINDOW_S = 60.0  # the limiters' fixed window, aligned to the minute


async def _clear_of_the_window_edge(needed_s: float = 20.0) -> None:
    """Start a test's burst early enough in a window that it does not straddle two
    (a burst split across windows is counted twice as leniently)."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < needed_s:
        await asyncio.sleep(left + 0.05)


def _resident_report(n: int) -> dict[str, Any]:
    return report(title=f"垃圾堆放{n}", contact={"phone": "13812345678"})


async def _public_sources(stack: Stack) -> list[str]:
    rows = await stack.sql(
        "SELECT source FROM intake.audit_log WHERE action = 'POST /public/reports' ORDER BY seq"
    )
    return [r["source"] for r in rows]


async def test_forged_forwarded_for_neither_escapes_the_limit_nor_enters_the_audit_log(
    stack: Stack,
) -> None:
    """intake as ``gridcase up`` runs it (a real uvicorn process), no proxy configured:
    each request forges a new X-Forwarded-For, and all count as the one real peer."""
    port = free_port()
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": stack.database_url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_servers(),
        "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
        "GRIDCASE_SECRET_KEY": stack.settings.secret_key,
        "GRIDCASE_ENVIRONMENT": "test",
        "GRIDCASE_INTAKE_RESIDENT_RATE_PER_MINUTE": str(LIMIT),
        "GRIDCASE_LOG_LEVEL": "WARNING",
    }
    command = service_command("services.intake.bootstrap:app_factory", "127.0.0.1", port)
    server = subprocess.Popen(command, env=env)  # noqa: ASYNC220 - started once, not awaited
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=60)
            await _clear_of_the_window_edge()
            statuses = []
            for n in range(LIMIT + 2):
                response = await client.post(
                    "/public/reports",
                    json=_resident_report(n),
                    headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                )
                statuses.append(response.status_code)
            assert all(s in (200, 201) for s in statuses[:LIMIT]), statuses
            assert statuses[LIMIT:] == [429, 429], statuses

            async def audited() -> list[str]:
                sources = await _public_sources(stack)
                return sources if len(sources) == LIMIT + 2 else []

            assert set(await eventually(audited)) == {"127.0.0.1"}
    finally:
        server.terminate()
        await asyncio.to_thread(server.wait, 20)


async def _intake(stack: Stack) -> IntakeRuntime:
    runtime = intake_bootstrap.build_runtime(
        stack.settings, IntakeConfig(resident_rate_per_minute=LIMIT, group_commit_max=0)
    )
    await runtime.start(consumers=False, relay=False)
    return runtime


def _client(app: Any, name: str) -> httpx.AsyncClient:
    # httpx's in-process transport connects as 127.0.0.1: here, the trusted proxy.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy_walked_from_the_right(
    infra: TestInfra,
) -> None:
    async with running_stack(infra, trusted_proxies="127.0.0.1/32") as stack:
        runtime = await _intake(stack)
        app = intake_bootstrap.build_app(runtime, manage_lifecycle=False)
        try:
            async with _client(app, "intake") as intake:
                await _clear_of_the_window_edge()
                statuses = []
                for n in range(LIMIT + 1):
                    # The client forges a left part; the proxy appended its real address.
                    forged = {"X-Forwarded-For": f"10.9.9.{n}, 198.51.100.7"}
                    response = await intake.post(
                        "/public/reports", json=_resident_report(n), headers=forged
                    )
                    statuses.append(response.status_code)
                assert statuses[LIMIT] == 429 and 429 not in statuses[:LIMIT], statuses
                other = await intake.post(
                    "/public/reports",
                    json=_resident_report(9),
                    headers={"X-Forwarded-For": "198.51.100.8"},
                )
                assert other.status_code in (200, 201), other.text

            async def audited() -> list[str]:
                sources = await _public_sources(stack)
                return sources if len(sources) == LIMIT + 2 else []

            assert await eventually(audited) == ["198.51.100.7"] * (LIMIT + 1) + ["198.51.100.8"]
        finally:
            await runtime.stop()


async def test_resident_limit_is_shared_by_every_intake_process(stack: Stack) -> None:
    first, second = await _intake(stack), await _intake(stack)
    try:
        apps = [intake_bootstrap.build_app(r, manage_lifecycle=False) for r in (first, second)]
        async with _client(apps[0], "intake-1") as one, _client(apps[1], "intake-2") as two:
            await _clear_of_the_window_edge()
            statuses = []
            for n in range(2 * LIMIT):
                client = (one, two)[n % 2]
                response = await client.post("/public/reports", json=_resident_report(n))
                statuses.append(response.status_code)
        assert statuses.count(429) == LIMIT, statuses
        assert 429 not in statuses[:LIMIT], statuses
    finally:
        await first.stop()
        await second.stop()


async def test_login_throttle_is_shared_by_every_routing_process(infra: TestInfra) -> None:
    async with running_stack(infra, login_rate_per_minute=LIMIT) as stack:
        runtimes = [routing_bootstrap.build_runtime(stack.settings) for _ in range(2)]
        for runtime in runtimes:
            await runtime.start(consumers=False, relay=False)
        try:
            apps = [routing_bootstrap.build_app(r, manage_lifecycle=False) for r in runtimes]
            async with _client(apps[0], "routing-1") as one, _client(apps[1], "routing-2") as two:
                await _clear_of_the_window_edge()
                statuses = []
                for n in range(2 * LIMIT):
                    response = await (one, two)[n % 2].post(
                        "/auth/login", json={"username": "nobody", "password": "guess"}
                    )
                    statuses.append(response.status_code)
            assert statuses == [401] * LIMIT + [429] * LIMIT, statuses
            retry_after = int(response.headers["retry-after"])
            assert 1 <= retry_after <= 60
        finally:
            for runtime in runtimes:
                await runtime.stop()
