"""Real infrastructure for tests: one PostgreSQL and one Kafka per test session, and a
fresh database plus a fresh topic prefix for every stack, so tests never see each
other's rows or events.

Set ``GRIDCASE_TEST_DATABASE_URL`` (a server URL; databases are created on it) and
``GRIDCASE_TEST_KAFKA_BOOTSTRAP_SERVERS`` to reuse running servers, e.g. several test
runs side by side; otherwise the session starts its own under a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from gridcase.devstack.kafka import LocalKafka
from gridcase.devstack.postgres import EmbeddedPostgres
from gridcase.services import BY_NAME, SERVICES, migrate_all
from shared.auth.tokens import mint_token
from shared.db.engine import plain_url
from shared.messaging.kafka_admin import ensure_topics
from shared.runtime import ServiceRuntime
from shared.settings import Environment, GridcaseSettings

T = TypeVar("T")

# Who tests act as, by role: ids and units from the small demo registry
# (services/routing/adapters/demo.py: district 451102, street 451102001, community
# 451102001001 with grids …001–…004).
ROLE_DEFAULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()),
    "district_operator": ("op-district", ("451102",)),
    "street_operator": ("op-street", ("451102001",)),
    "community_operator": ("op-community", ("451102001001",)),
    "grid_officer": ("go-002", ("451102001001002",)),
    "mediator": ("med-1", ("451102001001",)),
    "community_police": ("pol-1", ("451102001001",)),
    "legal_adviser": ("law-1", ("451102001001",)),
}


@dataclass
class TestInfra:
    __test__ = False  # a fixture type, not a test class
    server_url: str  # postgresql://user@host:port (no database)
    bootstrap: str
    postgres: EmbeddedPostgres | None = None
    kafka: LocalKafka | None = None
    state_dir: Path | None = None

    @classmethod
    def start(cls, *, own: bool = False) -> TestInfra:
        """Servers for a test session; ``own`` ignores shared ones (fault injection kills them)."""
        db = None if own else os.environ.get("GRIDCASE_TEST_DATABASE_URL")
        kafka_servers = None if own else os.environ.get("GRIDCASE_TEST_KAFKA_BOOTSTRAP_SERVERS")
        state = Path(tempfile.mkdtemp(prefix="gridcase-test-"))
        pg = kafka = None
        if not db:
            pg = EmbeddedPostgres(state / "postgres")
            db = pg.start()
        if not kafka_servers:
            kafka = LocalKafka(state / "kafka")
            kafka_servers = kafka.start()
        server_url = plain_url(db).rsplit("/", 1)[0]
        return cls(server_url, kafka_servers, pg, kafka, state)

    def stop(self) -> None:
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop(mode="immediate")

    async def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        conn = await asyncpg.connect(self.server_url + "/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return f"{self.server_url}/{name}"

    async def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(self.server_url + "/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, interval: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


@dataclass
class Stack:
    """The four services in this process against real servers, each with its own state."""

    infra: TestInfra
    settings: GridcaseSettings
    database_url: str
    runtimes: dict[str, ServiceRuntime[Any]] = field(default_factory=dict)
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    _apps: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def create(
        cls, infra: TestInfra, *, bootstrap: str | None = None, **overrides: Any
    ) -> Stack:
        database_url = await infra.create_database()
        settings = GridcaseSettings(
            environment=Environment.TEST,
            database_url=database_url,
            kafka_bootstrap_servers=bootstrap or infra.bootstrap,
            topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
            topic_partitions=3,
            relay_poll_interval_s=0.5,
            consumer_retry_backoff_s=0.05,
            consumer_max_attempts=3,
            log_json=False,
            **overrides,
        )
        await asyncio.to_thread(migrate_all, settings)
        stack = cls(infra, settings, database_url)
        await ensure_topics(
            settings.kafka_servers(),
            stack.topics.all_with_dead_letters(),
            partitions=settings.topic_partitions,
            replication_factor=1,
        )
        return stack

    @property
    def topics(self) -> Any:
        return self.settings_topics()

    def settings_topics(self) -> Any:
        from shared.events.topics import TopicNames

        return TopicNames(self.settings.topic_prefix)

    def runtime(self, name: str) -> ServiceRuntime[Any]:
        if name not in self.runtimes:
            self.runtimes[name] = BY_NAME[name].build_runtime(self.settings)
        return self.runtimes[name]

    async def start(self, *names: str, **kwargs: Any) -> None:
        for name in names or tuple(s.name for s in SERVICES):
            await self.runtime(name).start(**kwargs)

    async def wait_until_consuming(self, timeout: float = 30.0) -> None:
        for runtime in self.runtimes.values():
            for consumer in runtime.consumers:
                await asyncio.wait_for(consumer.assigned.wait(), timeout)

    async def stop(self, *names: str) -> None:
        for name in names or tuple(self.runtimes):
            await self.runtimes[name].stop()

    def headers(
        self, role: str, staff_id: str | None = None, units: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        """A bearer token for ``role``; by default a member of the demo district
        (``ROLE_DEFAULTS``), so that the demo's cases are in their jurisdiction."""
        default_id, default_units = ROLE_DEFAULTS[role]
        token = mint_token(
            self.settings.secret_key,
            staff_id or default_id,
            role,
            units if units is not None else default_units,
        )
        return {"Authorization": f"Bearer {token}"}

    def client(self, name: str, role: str | None = None) -> httpx.AsyncClient:
        """An httpx client on the service's app; with ``role``, every request carries
        that role's token (``headers``) unless the request sets its own."""
        key = f"{name}:{role}"
        if key not in self._clients:
            if name not in self._apps:
                self._apps[name] = BY_NAME[name].build_app(
                    self.runtime(name), manage_lifecycle=False
                )
            self._clients[key] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self._apps[name]),
                base_url=f"http://{name}",
                headers=self.headers(role) if role else None,
            )
        return self._clients[key]

    async def quiescent(self, timeout: float = 60.0) -> None:
        """Until nothing is in flight: every outbox relayed and every consumer group of
        the running services has committed the end of its topics, twice in a row a
        moment apart (a consumer may publish what another then reads, over several
        hops: a red card, routing's reassignment, mediation's view)."""
        schemas = [runtime.tables.schema for runtime in self.runtimes.values()]
        groups = {
            consumer.group_id: consumer.topics
            for runtime in self.runtimes.values()
            for consumer in runtime.consumers
        }
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.bootstrap)
        ends = AIOKafkaConsumer(bootstrap_servers=self.infra.bootstrap)
        await admin.start()
        await ends.start()

        async def idle() -> bool:
            for schema in schemas:
                rows = await self.sql(
                    f"SELECT count(*) AS n FROM {schema}.outbox WHERE sent_at IS NULL"  # noqa: S608 - schema names from code
                )
                if rows[0]["n"]:
                    return False
            for group, topics in groups.items():
                committed = await admin.list_consumer_group_offsets(group)
                partitions = [
                    TopicPartition(topic, p)
                    for topic in topics
                    for p in ends.partitions_for_topic(topic) or await _partitions(ends, topic)
                ]
                for tp, end in (await ends.end_offsets(partitions)).items():
                    done = committed.get(tp)
                    if end > (done.offset if done is not None else 0):
                        return False
            return True

        async def twice() -> bool:
            if not await idle():
                return False
            await asyncio.sleep(1.0)
            return await idle()

        try:
            await eventually(twice, timeout=timeout)
        finally:
            await ends.stop()
            await admin.close()

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        with contextlib.suppress(Exception):
            await self.stop()
        await self.infra.drop_database(self.database_url)
        with contextlib.suppress(Exception):
            admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.bootstrap)
            await admin.start()
            try:
                await admin.delete_topics(self.topics.all_with_dead_letters())
            finally:
                await admin.close()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """The topic's partitions, once the client has fetched its metadata."""
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


@contextlib.asynccontextmanager
async def running_stack(infra: TestInfra, **overrides: Any) -> AsyncIterator[Stack]:
    stack = await Stack.create(infra, **overrides)
    try:
        yield stack
    finally:
        await stack.close()


async def read_topic(
    bootstrap: str, topic: str, *, at_least: int = 1, timeout: float = 20.0
) -> list[Any]:
    """Every record on ``topic`` from the beginning, once at least ``at_least`` arrived
    and no more came for a moment (a plain consumer, no group, nothing committed)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            fresh = [r for rs in batch.values() for r in rs]
            records.extend(fresh)
            if fresh:
                quiet_since = time.monotonic()
            elif len(records) >= at_least and time.monotonic() - quiet_since > 1.0:
                break
    finally:
        await consumer.stop()
    return records


def demo_point(n: int) -> dict[str, float]:
    """The n-th of 36 points inside the small demo community, about 160 m apart, so that
    reports sent to different points are never linked to each other as duplicates."""
    from services.routing.adapters.demo import CELL, ORIGIN

    row, col = divmod(n % 36, 6)
    step = 2 * CELL / 6
    return {"lng": ORIGIN[0] + step * (col + 0.5), "lat": ORIGIN[1] + step * (row + 0.5)}
