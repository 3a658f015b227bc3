"""Wires the intake service: tables, consumers, routes, limits. Nothing connects here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from services.intake.adapters.repository import scrub_sent_restricted
from services.intake.adapters.storage import LocalBlobStore
from services.intake.adapters.tables import SCHEMA, TABLES
from services.intake.config import IntakeConfig
from services.intake.entrypoints import http, mobile, open311, public, screening
from services.intake.entrypoints.consumers import case_status_consumer, registry_consumer
from services.intake.entrypoints.screening_consumer import screening_tasks_consumer
from services.intake.entrypoints.support import duplicate_policy
from services.intake.service_layer.batching import SubmissionBatcher
from services.intake.service_layer.idempotency import purge_expired
from services.intake.service_layer.reference import ReferenceCache
from services.intake.state import IntakeRuntime, IntakeState
from shared.db.rate_limits import RateLimitCounters
from shared.events import topics
from shared.http.ratelimit import SharedRateLimiter
from shared.periodic import PeriodicTask
from shared.privacy.crypto import KeyRing
from shared.runtime import create_app
from shared.settings import GridcaseSettings

NAME = "intake"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


async def _purge_old_idempotency_keys(runtime: IntakeRuntime) -> None:
    """Drop keys past their time to live (they are kept ≥ 72 h): at start, then hourly."""
    ttl = timedelta(hours=runtime.state.config.idempotency_ttl_h)
    async with runtime.uow() as uow:
        await purge_expired(uow, ttl)
        await uow.commit()


async def _scrub_restricted_outbox(runtime: IntakeRuntime) -> None:
    """Published restricted events (parties in full) leave the outbox: every minute."""
    async with runtime.uow() as uow:
        await scrub_sent_restricted(
            uow.connection, runtime.tables.outbox, runtime.topics(topics.CASE_RESTRICTED)
        )
        await uow.commit()


def build_runtime(settings: GridcaseSettings, config: IntakeConfig | None = None) -> IntakeRuntime:
    assert TABLES.schema == SCHEMA
    config = config or IntakeConfig()
    config.refuse_development_keys(settings.environment)
    attachments_dir = Path(config.attachments_dir or Path(settings.state_dir) / "attachments")
    state = IntakeState(
        config=config,
        reference=ReferenceCache(config.area_cache_s),
        # Residents' submissions per client address per minute, across all processes
        # (counted in intake's schema; ``runtime`` is bound below, before any request).
        rate_limiter=SharedRateLimiter(
            RateLimitCounters(lambda: runtime.engine, SCHEMA),
            config.resident_rate_per_minute,
            name="resident",
        ),
        blobs=LocalBlobStore(attachments_dir),
        pii_keys=KeyRing.parse(settings.pii_keys),
    )
    runtime = IntakeRuntime(
        name=NAME,
        settings=settings,
        tables=TABLES,
        state=state,
        on_start=[_purge_old_idempotency_keys, _scrub_restricted_outbox],
        periodic=[
            PeriodicTask("purge-idempotency-keys", 3600.0, _purge_old_idempotency_keys),
            PeriodicTask("scrub-restricted-outbox", 60.0, _scrub_restricted_outbox),
        ],
    )
    runtime.consumer_specs = [registry_consumer(state.reference), case_status_consumer()]
    runtime.consumer_specs.append(screening_tasks_consumer())
    if config.group_commit_max:
        state.submission_batcher = SubmissionBatcher(
            runtime.uow,
            state.reference,
            lambda: duplicate_policy(runtime),
            lambda: state.pii_keys,
            max_batch=config.group_commit_max,
        )
    return runtime


def build_app(runtime: IntakeRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    config = runtime.state.config
    app = create_app(
        runtime,
        [http.router, mobile.router, screening.router, public.router, open311.router],
        title="GridCase intake",
        description=(
            "Situation reports and disputes from grid officers (bearer token, offline "
            "sync), residents (public, rate-limited) and Open311 GeoReport v2 clients. "
            "Every write accepts an Idempotency-Key."
        ),
        manage_lifecycle=manage_lifecycle,
        max_body_bytes=config.max_json_bytes,
        max_json_depth=config.max_json_depth,
        body_limits={"/attachments": config.max_upload_bytes},
    )
    app.add_exception_handler(open311.Open311Error, open311.handle_open311_error)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory services.intake.bootstrap:app_factory``."""
    return build_app(build_runtime(GridcaseSettings()))
