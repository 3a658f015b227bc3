"""Oversight against a running system: the four services as real uvicorn processes
(intake with two workers), launched by the launcher's own code, and Prometheus.

- every metric and label that an alert rule or a dashboard panel uses is exposed by
  the running services (so nothing watches a metric that does not exist);
- Prometheus scrapes every process (each intake worker too) and itself, with every
  rule loaded;
- ``gridcase logs --case`` finds the case in all four services' logs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from gridcase.cli import app as gridcase_cli
from gridcase.devstack.ports import free_port
from gridcase.launcher import ServiceProcesses, wait_ready
from gridcase.prometheus_server import PrometheusProcess, ScrapeTarget, find_binary, rule_files
from services.routing.adapters.demo import seed_demo
from shared.db.engine import create_engine
from shared.settings import GridcaseSettings
from tests.contract.test_oversight_contracts import alert_rules, dashboards_module
from tests.harness import Stack, TestInfra, demo_point, eventually
from tests.promql_names import needs

pytestmark = pytest.mark.integration

SERVICE_NAMES = ("intake", "routing", "mediation", "escalation")
# Labels Prometheus adds to every scraped series (target labels), not in /metrics.
TARGET_LABELS = {"job", "instance", "service"}
# Metrics that have samples only once the scheduler has done some work: its own lag
# and job counts, and the screening tasks (none until a period has opened tasks for
# grids escalation knows). Checked like the others once present.
AWAITING_SCHEDULER = {
    "gridcase_scheduler_oldest_due_lag_seconds",
    "gridcase_scheduler_jobs_fired_total",
    "gridcase_scheduler_jobs_failed_total",
    "gridcase_screening_tasks",
}


@dataclass
class RunningSystem:
    stack: Stack
    children: ServiceProcesses
    prometheus: PrometheusProcess
    urls: dict[str, str]
    log_dir: Path
    case_id: str
    correlation_id: str


def _env(stack: Stack, state: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCASE_")}
    env.update({f"GRIDCASE_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update(
        {
            "GRIDCASE_ENVIRONMENT": "test",
            "GRIDCASE_DATABASE_URL": stack.database_url,
            "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_bootstrap_servers or "",
            "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
            "GRIDCASE_TOPIC_PARTITIONS": str(stack.settings.topic_partitions),
            "GRIDCASE_RELAY_POLL_INTERVAL_S": "0.5",
            "GRIDCASE_INTAKE_WORKERS": "2",
            "GRIDCASE_STATE_DIR": str(state),
            "GRIDCASE_LOG_JSON": "true",
        }
    )
    return env


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    infra: TestInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    binary = find_binary()
    assert binary, "prometheus is not installed: bash scripts/install-system-packages.sh"
    stack = await Stack.create(infra)
    engine = create_engine(stack.settings.database_url_for("routing"), pool_size=1)
    async with engine.begin() as conn:
        await seed_demo(conn)
    await engine.dispose()
    state = tmp_path_factory.mktemp("oversight")
    ports = {name: free_port() for name in SERVICE_NAMES}
    env = _env(stack, state, ports)
    # The ports and workers the children read from ``env``, for the launcher's own use.
    settings = GridcaseSettings(
        intake_port=ports["intake"],
        routing_port=ports["routing"],
        mediation_port=ports["mediation"],
        escalation_port=ports["escalation"],
        intake_workers=2,
    )
    children = ServiceProcesses(env, settings, state / "logs")
    prometheus: PrometheusProcess | None = None
    try:
        urls = children.start()
        ready = await asyncio.to_thread(wait_ready, urls, 90.0)
        assert all(ready.values()), ready
        prometheus = PrometheusProcess(binary, state, "127.0.0.1", free_port(), children.targets)
        prometheus.start()
        assert await asyncio.to_thread(prometheus.wait_ready), prometheus.log_path.read_text()
        async with httpx.AsyncClient(timeout=10) as client:
            accepted = await client.post(
                urls["intake"] + "/reports",
                headers=stack.headers("district_operator"),
                json={
                    "category": "市容环境",
                    "title": "路灯不亮",
                    "description": "小区东门路灯连续三晚不亮",
                    "location": demo_point(1),
                },
            )
            assert accepted.status_code == 201, accepted.text
            case_id = accepted.json()["case_id"]

            async def assigned() -> bool:
                r = await client.get(
                    f"{urls['mediation']}/cases/{case_id}",
                    headers=stack.headers("district_operator"),
                )
                return r.status_code == 200 and r.json()["status"] == "assigned"

            await eventually(assigned, timeout=60)
        yield RunningSystem(
            stack,
            children,
            prometheus,
            urls,
            state / "logs",
            case_id,
            accepted.headers["x-correlation-id"],
        )
    finally:
        if prometheus is not None:
            prometheus.stop()
        children.stop()
        await stack.close()


def _exposed(targets: list[ScrapeTarget]) -> dict[str, set[str]]:
    """Sample name → label names, over every process's /metrics, with target labels."""
    found: dict[str, set[str]] = {"up": set(TARGET_LABELS)}
    with httpx.Client(timeout=10) as client:
        for target in targets:
            body = client.get(f"http://{target.address}/metrics")
            assert body.status_code == 200, target
            for family in text_string_to_metric_families(body.text):
                for sample in family.samples:
                    found.setdefault(sample.name, set(TARGET_LABELS)).update(sample.labels)
    return found


async def _figures_present(system: RunningSystem) -> bool:
    exposed = await asyncio.to_thread(_exposed, system.children.targets)
    return "gridcase_cases" in exposed and "gridcase_running_clocks" in exposed


@pytest.mark.asyncio(loop_scope="session")
async def test_every_metric_and_label_in_the_rules_and_panels_is_exposed(
    system: RunningSystem,
) -> None:
    # The business gauges appear at the first refresh after the case reached the views.
    await eventually(lambda: _figures_present(system), timeout=45, interval=1.0)
    exposed = await asyncio.to_thread(_exposed, system.children.targets)
    expressions = {f"rule {r['alert']}": r["expr"] for r in alert_rules()}
    expressions |= {f"panel query {q}": q for q in dashboards_module().queries()}
    problems = []
    for where, expr in expressions.items():
        wanted = needs(expr)
        assert wanted.metrics, f"{where}: no metric read from {expr!r}"
        on_metrics: set[str] = set()
        for metric, labels in wanted.metrics.items():
            if metric not in exposed:
                if metric not in AWAITING_SCHEDULER:
                    problems.append(f"{where}: no metric {metric}")
                continue
            on_metrics |= exposed[metric]
            if missing := labels - exposed[metric]:
                problems.append(f"{where}: {metric} has no label {sorted(missing)}")
        if on_metrics and (missing := wanted.grouping - on_metrics):
            problems.append(f"{where}: groups by missing labels {sorted(missing)}")
    assert not problems, "\n".join(problems)
    # The per-street figures: the demo case's street, never an id.
    assert {"street", "status"} <= exposed["gridcase_cases"]
    assert "case_id" not in set().union(*exposed.values())


def _get(url: str) -> Any:
    response = httpx.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.asyncio(loop_scope="session")
async def test_prometheus_scrapes_every_process_and_loads_every_rule(
    system: RunningSystem,
) -> None:
    url = system.prometheus.url
    # Two intake workers, each with its own /metrics port, then one process per service.
    assert [t.service for t in system.children.targets].count("intake") == 2
    assert len({t.address for t in system.children.targets}) == 5

    async def all_up() -> list[dict[str, Any]] | None:
        active = (await asyncio.to_thread(_get, url + "/api/v1/targets"))["activeTargets"]
        healthy = [t for t in active if t["health"] == "up"]
        return active if len(active) == 6 and len(healthy) == 6 else None

    active = await eventually(all_up, timeout=60, interval=1.0)
    by_job: dict[str, list[str]] = {}
    for target in active:
        by_job.setdefault(target["labels"]["job"], []).append(target["labels"].get("service", ""))
    assert sorted(by_job["gridcase"]) == sorted(["intake", "intake", *SERVICE_NAMES[1:]])
    assert len(by_job["prometheus"]) == 1

    groups = (await asyncio.to_thread(_get, url + "/api/v1/rules"))["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    assert loaded == {rule["alert"] for rule in alert_rules()}
    assert {g["file"] for g in groups} == {str(p) for p in rule_files()}
    assert all(rule["health"] != "err" for g in groups for rule in g["rules"])

    # Queries see the services' own labels (honor_labels): intake's requests by service.
    result = (
        await asyncio.to_thread(
            _get, url + "/api/v1/query?query=count(gridcase_outbox_backlog) by (service)"
        )
    )["result"]
    assert result, "no outbox gauge scraped yet"


@pytest.mark.asyncio(loop_scope="session")
async def test_gridcase_logs_finds_one_case_in_all_four_services(system: RunningSystem) -> None:
    runner = CliRunner()

    def services_in(output: str) -> set[str]:
        return {name for name in SERVICE_NAMES if f" {name} " in output}

    async def all_four() -> str | None:
        result = await asyncio.to_thread(
            runner.invoke,
            gridcase_cli,
            ["logs", "--case", system.case_id, "--state-dir", str(system.log_dir.parent)],
        )
        return result.output if services_in(result.output) == set(SERVICE_NAMES) else None

    output = await eventually(all_four, timeout=30, interval=0.5)
    assert "events_recorded" in output and "events_applied" in output
    # The correlation id the desk got back leads to the same lines.
    by_correlation = runner.invoke(
        gridcase_cli,
        ["logs", "--correlation", system.correlation_id, "--state-dir", str(system.log_dir.parent)],
    )
    assert by_correlation.exit_code == 0
    assert services_in(by_correlation.output) == set(SERVICE_NAMES)
    nothing = runner.invoke(
        gridcase_cli, ["logs", "--case", "no-such-case", "--state-dir", str(system.log_dir.parent)]
    )
    assert nothing.exit_code == 1
