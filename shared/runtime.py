"""What every service process runs: engine, outbox relay, consumers, and the HTTP app.

A service's ``bootstrap.py`` builds a ``ServiceRuntime`` with its own tables, handlers
and routers. Nothing connects until ``start()`` (called by the app's lifespan), so
importing a service never touches the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import audit
from shared.audit import AuditEntry
from shared.db.engine import create_engine
from shared.db.tables import inbox_table, outbox_table
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.events.topics import TopicNames
from shared.http.audit import AuditMiddleware
from shared.http.guards import BodyGuardMiddleware
from shared.http.health import health_router
from shared.http.middleware import RequestContextMiddleware
from shared.http.openapi import docs_urls, document_problem_responses
from shared.http.problems import install_problem_handlers
from shared.http.security_headers import SecurityHeadersMiddleware
from shared.logging import configure_logging, get_logger
from shared.messaging.consumer import BatchHandler, EventConsumer, Handler
from shared.messaging.errors import describe_error
from shared.messaging.kafka_admin import ensure_topics, kafka_reachable
from shared.messaging.relay import OutboxRelay
from shared.settings import GridcaseSettings

log = get_logger(__name__)


class ServiceMetadata:
    """A service's SQLAlchemy metadata with its outbox and inbox already in it."""

    def __init__(self, schema: str):
        self.schema = schema
        self.metadata = MetaData(schema=schema)
        self.outbox: Table = outbox_table(self.metadata)
        self.inbox: Table = inbox_table(self.metadata)
        self.audit_log, self.audit_purges = audit.audit_tables(self.metadata)


@dataclass
class ConsumerSpec:
    name: str
    topics: list[str]
    handlers: dict[str, Handler] = field(default_factory=dict)
    # By event type: applies a run of consecutive events that map to it (and a lone
    # event as a batch of one), with fewer statements than one handler call each.
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    # How long the broker may hold a fetch to gather more events (0: answer at once).
    # Views nobody waits on trade that much delay for fewer, larger transactions.
    gather_ms: int = 0


# For consumers that keep a view or a clock up to date: a fifth of a second later,
# in a fraction of the transactions, under load.
VIEW_GATHER_MS = 200


def tune_gc(gen0_threshold: int) -> None:
    """Collect garbage less often in a running service.

    Everything built at start-up (modules, routes, models, the registry) is frozen out
    of the collector's sight, and young collections run every ``gen0_threshold``
    allocations instead of 700. A request or an event batch allocates thousands of
    short-lived objects, and each collection also walked the start-up heap: at 500
    reports/s offered, intake accepted 429/s with Python's defaults and 454–478/s
    with this, for the same memory.
    """
    if gen0_threshold <= 0:
        return
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)


@dataclass(frozen=True)
class PeriodicTask:
    """Work a service repeats while it runs (purges, clock sweeps); failures are logged
    and retried at the next tick, never allowed to stop the service."""

    name: str
    interval_s: float
    run: Callable[[ServiceRuntime], Awaitable[Any]]


@dataclass
class ServiceRuntime:
    """One service's live parts. ``uow()`` opens a unit of work bound to them."""

    name: str
    settings: GridcaseSettings
    tables: ServiceMetadata
    uow_class: type[UnitOfWork] = UnitOfWork
    consumer_specs: list[ConsumerSpec] = field(default_factory=list)
    on_start: list[Callable[[ServiceRuntime], Any]] = field(default_factory=list)
    periodic: list[PeriodicTask] = field(default_factory=list)
    _periodic_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    engine: AsyncEngine | None = None
    relay: OutboxRelay | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    audit_writer: audit.AuditWriter | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def topics(self) -> TopicNames:
        return TopicNames(self.settings.topic_prefix)

    @property
    def database_url(self) -> str:
        return self.settings.database_url_for(self.name)

    def uow(self, context: EventContext | None = None) -> UnitOfWork:
        if self.engine is None:
            raise RuntimeError(f"{self.name} runtime is not started")
        return self.uow_class(
            self.engine,
            schema=self.tables.schema,
            outbox=self.tables.outbox,
            inbox=self.tables.inbox,
            topics=self.topics,
            source=f"/gridcase/{self.name}",
            context=context,
        )

    async def audit(self, entry: AuditEntry) -> None:
        """Queue a routine access record for this service's audit chain (written in
        batches, off the request path; see ``shared.audit.AuditWriter``)."""
        if self.audit_writer is None:
            raise RuntimeError(f"{self.name} runtime is not started")
        await self.audit_writer.submit(entry)

    async def start(self, *, consumers: bool = True, relay: bool = True) -> None:
        self.engine = create_engine(self.database_url)
        self.audit_writer = audit.AuditWriter(
            self.engine, self.tables.audit_log, self.tables.audit_purges
        )
        self.audit_writer.start()
        bootstrap = self.settings.kafka_servers()
        for hook in self.on_start:
            result = hook(self)
            if hasattr(result, "__await__"):
                await result
        if relay:
            self.relay = OutboxRelay(
                service=self.name,
                engine=self.engine,
                database_url=self.database_url,
                outbox=self.tables.outbox,
                bootstrap=bootstrap,
                batch_size=self.settings.relay_batch_size,
                poll_interval_s=self.settings.relay_poll_interval_s,
            )
            await self.relay.start()
        if consumers and self.consumer_specs:
            with contextlib.suppress(Exception):
                # Topics may already exist, or Kafka may be away: consumers retry anyway.
                await ensure_topics(
                    bootstrap,
                    self.topics.all_with_dead_letters(),
                    partitions=self.settings.topic_partitions,
                    replication_factor=self.settings.topic_replication_factor,
                )
            for spec in self.consumer_specs:
                consumer = EventConsumer(
                    service=self.name,
                    name=spec.name,
                    group_id=f"{self.settings.topic_prefix}gridcase.{self.name}.{spec.name}",
                    topics=[self.topics(t) for t in spec.topics],
                    bootstrap=bootstrap,
                    uow_factory=self.uow,
                    handlers=spec.handlers,
                    batch_handlers=spec.batch_handlers,
                    gather_ms=spec.gather_ms,
                    max_attempts=self.settings.consumer_max_attempts,
                    retry_backoff_s=self.settings.consumer_retry_backoff_s,
                )
                await consumer.start()
                self.consumers.append(consumer)
        for task in [*self.periodic, PeriodicTask("purge-audit-log", 86400.0, _purge_audit)]:
            self._periodic_tasks.append(
                asyncio.create_task(self._repeat(task), name=f"{self.name}-{task.name}")
            )
        log.info("service_started", service=self.name)

    async def _repeat(self, task: PeriodicTask) -> None:
        while True:
            await asyncio.sleep(task.interval_s)
            try:
                await task.run(self)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("periodic_task_failed", task=task.name, error=describe_error(exc))

    async def stop(self) -> None:
        for periodic in self._periodic_tasks:
            periodic.cancel()
        for periodic in self._periodic_tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await periodic
        self._periodic_tasks = []
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers = []
        if self.relay is not None:
            await self.relay.stop()
            self.relay = None
        if self.audit_writer is not None:
            await self.audit_writer.stop()
            self.audit_writer = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def database_ready(self) -> bool:
        if self.engine is None:
            return False
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def kafka_ready(self) -> bool:
        return await kafka_reachable(self.settings.kafka_servers())


async def _purge_audit(runtime: ServiceRuntime) -> None:
    """Drop audit rows past the retention period (never under six months, see settings)."""
    assert runtime.engine is not None
    async with runtime.engine.begin() as conn:
        await audit.purge(
            conn,
            runtime.tables.audit_log,
            runtime.tables.audit_purges,
            timedelta(days=runtime.settings.audit_retention_days),
        )


def create_app(
    runtime: ServiceRuntime,
    routers: list[APIRouter],
    *,
    title: str,
    description: str,
    manage_lifecycle: bool = True,
    body_limits: dict[str, int] | None = None,
    max_body_bytes: int = 256 * 1024,
    max_json_depth: int = 32,
) -> FastAPI:
    """The service's FastAPI app; its lifespan starts and stops ``runtime``.

    Every app gets the same outer layers: body limits (413/400 before any route),
    CORS only for the configured origins (closed by default), request ids and metrics,
    and the audit of every authenticated call.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_json)
        if manage_lifecycle:
            await runtime.start()
            tune_gc(runtime.settings.gc_gen0_threshold)
        try:
            yield
        finally:
            if manage_lifecycle:
                await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        # Oversight is Prometheus and logs; without this FastAPI asks OpenTelemetry on
        # every request whether anyone is listening (a few percent of intake's time).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        **docs_urls(runtime.settings.api_docs_enabled()),
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    document_problem_responses(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AuditMiddleware, runtime=runtime)
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=max_body_bytes,
        max_json_depth=max_json_depth,
        limits_by_prefix=body_limits or {},
    )
    origins = runtime.settings.cors_origins()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept-Language"],
        )
    app.add_middleware(RequestContextMiddleware, service=runtime.name)
    app.include_router(
        health_router({"database": runtime.database_ready, "kafka": runtime.kafka_ready})
    )
    for router in routers:
        app.include_router(router)
    return app
