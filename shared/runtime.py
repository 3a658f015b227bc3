"""A service process's lifecycle: engine, outbox relay, consumers, periodic tasks, and
the HTTP app whose lifespan starts and stops them.

A service's ``bootstrap.py`` builds a ``ServiceRuntime`` with its own tables, consumer
specs, routers and state object. Nothing connects until ``start()`` (called by the
app's lifespan), so importing a service never touches the network.

The runtime is generic in the service's state: what its routes and consumers share in
one process (caches, limiters, the group-commit writer) as one typed object, e.g.
``ServiceRuntime[IntakeState]``; a service with nothing to share uses ``None``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Generic, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import audit
from shared.audit import AuditEntry
from shared.clock import Clock, SystemClock
from shared.db.engine import create_engine
from shared.db.metadata import ServiceMetadata
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.events.topics import TopicNames
from shared.gc_tuning import tune_gc
from shared.http.audit import AuditMiddleware
from shared.http.guards import BodyGuardMiddleware
from shared.http.health import health_router
from shared.http.middleware import RequestContextMiddleware
from shared.http.openapi import docs_urls, document_problem_responses
from shared.http.problems import install_problem_handlers
from shared.http.security_headers import SecurityHeadersMiddleware
from shared.logging import configure_logging, get_logger
from shared.messaging.consumer import EventConsumer
from shared.messaging.errors import describe_error
from shared.messaging.kafka_admin import ensure_topics, kafka_reachable
from shared.messaging.outbox_purge import purge_sent_outbox
from shared.messaging.relay import OutboxRelay
from shared.messaging.specs import ConsumerSpec
from shared.periodic import PeriodicTask, repeat
from shared.scheduling import JobHandler, Scheduler, WorkingDays
from shared.settings import GridcaseSettings

log = get_logger(__name__)

StateT = TypeVar("StateT")


@dataclass
class ServiceRuntime(Generic[StateT]):
    """One service's live parts. ``uow()`` opens a unit of work bound to them;
    ``state`` is the service's own typed state object."""

    name: str
    settings: GridcaseSettings
    tables: ServiceMetadata
    state: StateT
    uow_class: type[UnitOfWork] = UnitOfWork
    consumer_specs: list[ConsumerSpec] = field(default_factory=list)
    # Awaited in order at start, once the engine exists, before the relay and consumers.
    on_start: list[Callable[[ServiceRuntime[StateT]], Awaitable[object]]] = field(
        default_factory=list
    )
    # Awaited in order at stop, first: close what the service's state holds open.
    on_stop: list[Callable[[ServiceRuntime[StateT]], Awaitable[object]]] = field(
        default_factory=list
    )
    periodic: list[PeriodicTask[ServiceRuntime[StateT]]] = field(default_factory=list)
    _periodic_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Durable scheduled work (shared/scheduling): handlers by job kind. A service with
    # any gets a sweeper over its schema's ``scheduled_jobs`` table; ``clock`` decides
    # what is due (a ManualClock in tests), ``working_days`` shifts recurrences.
    job_handlers: dict[str, JobHandler[UnitOfWork]] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)
    working_days: WorkingDays | None = None
    engine: AsyncEngine | None = None
    relay: OutboxRelay | None = None
    scheduler: Scheduler[UnitOfWork] | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    audit_writer: audit.AuditWriter | None = None

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
            await hook(self)
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
        if self.job_handlers:
            self.scheduler = Scheduler(
                service=self.name,
                schema=self.tables.schema,
                uow_factory=self.uow,
                handlers=self.job_handlers,
                database_url=self.database_url,
                clock=self.clock,
                calendar=self.working_days,
            )
            await self.scheduler.start()
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
        housekeeping: list[PeriodicTask[ServiceRuntime[StateT]]] = [
            PeriodicTask("purge-audit-log", 86400.0, _purge_audit),
            PeriodicTask(
                "purge-sent-outbox", self.settings.outbox_purge_interval_s, purge_sent_outbox
            ),
        ]
        for task in [*self.periodic, *housekeeping]:
            self._periodic_tasks.append(
                asyncio.create_task(repeat(task, self), name=f"{self.name}-{task.name}")
            )
        log.info("service_started", service=self.name)

    async def stop(self) -> None:
        for hook in self.on_stop:
            try:
                await hook(self)
            except Exception as exc:
                log.warning("stop_hook_failed", service=self.name, error=describe_error(exc))
        if self.scheduler is not None:
            await self.scheduler.stop()
            self.scheduler = None
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


async def _purge_audit(runtime: ServiceRuntime[StateT]) -> None:
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
    runtime: ServiceRuntime[StateT],
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
        health_router(
            {"database": runtime.database_ready, "kafka": runtime.kafka_ready},
            service=runtime.name,
        )
    )
    for router in routers:
        app.include_router(router)
    return app
