"""A whole GridCase system for benchmarks: real servers, a fresh database, migrations,
the demo registry, and the four services as separate uvicorn processes on free ports.

Uses ``GRIDCASE_TEST_DATABASE_URL`` / ``GRIDCASE_TEST_KAFKA_BOOTSTRAP_SERVERS`` when set
(like the tests), else starts its own servers under a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gridcase.demo import seed_demo_data
from gridcase.devstack.ports import free_port
from gridcase.launcher import ServiceProcesses, wait_ready
from gridcase.services import SERVICES, migrate_all
from shared.events.topics import TopicNames
from shared.messaging.kafka_admin import ensure_topics
from shared.settings import Environment, GridcaseSettings
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"


@dataclass
class BenchSystem:
    settings: GridcaseSettings
    urls: dict[str, str]
    database_url: str
    processes: ServiceProcesses
    infra: TestInfra

    def pids(self) -> dict[str, int]:
        """The services' processes, and the servers' when this run started them."""
        pids = {name: proc.pid for name, proc in self.processes.procs.items()}
        if self.infra.kafka is not None and (kafka := self.infra.kafka.pid()):
            pids["kafka"] = kafka
        if self.infra.postgres is not None and (postgres := self.infra.postgres.pid()):
            pids["postgres"] = postgres
        return pids


@contextlib.asynccontextmanager
async def bench_system(
    infra: TestInfra, extra_env: dict[str, str] | None = None, **overrides: object
) -> AsyncIterator[BenchSystem]:
    database_url = await infra.create_database()
    ports = {f"{s.name}_port": free_port() for s in SERVICES}
    settings = GridcaseSettings(
        environment=Environment.DEVELOPMENT,
        database_url=database_url,
        kafka_bootstrap_servers=infra.bootstrap,
        topic_prefix=f"b{uuid.uuid4().hex[:8]}.",
        log_level="WARNING",
        **ports,  # type: ignore[arg-type]
        **overrides,  # type: ignore[arg-type]
    )
    await asyncio.to_thread(migrate_all, settings)
    await ensure_topics(
        infra.bootstrap,
        TopicNames(settings.topic_prefix).all_with_dead_letters(),
        partitions=settings.topic_partitions,
        replication_factor=1,
    )
    await seed_demo_data(settings)
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": database_url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "GRIDCASE_TOPIC_PREFIX": settings.topic_prefix,
        "GRIDCASE_LOG_LEVEL": "WARNING",
        **{f"GRIDCASE_{k.upper()}": str(v) for k, v in ports.items()},
        **{f"GRIDCASE_{k.upper()}": str(v) for k, v in overrides.items()},
        # The load generator is one client sending as many residents: no per-client limit.
        "GRIDCASE_INTAKE_RESIDENT_RATE_PER_MINUTE": "10000000",
        **(extra_env or {}),
    }
    log_dir = Path(tempfile.mkdtemp(prefix="gridcase-bench-logs-"))
    processes = ServiceProcesses(env, settings, log_dir)
    urls = processes.start()
    try:
        ready = await asyncio.to_thread(wait_ready, urls)
        if not all(ready.values()):
            raise RuntimeError(f"services not ready: {ready}; logs in {log_dir}")
        yield BenchSystem(settings, urls, database_url, processes, infra)
    finally:
        processes.stop()
        await infra.drop_database(database_url)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else float("nan"),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
    }
