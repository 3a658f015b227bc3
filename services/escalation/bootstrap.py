"""Wires the escalation service: the clock consumer, the card jobs and routes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from services.escalation.adapters.tables import TABLES
from services.escalation.domain.screening import DistrictCadence, load_cadences
from services.escalation.entrypoints.calendar_http import router as calendar_router
from services.escalation.entrypoints.consumers import clock_consumer
from services.escalation.entrypoints.extensions_http import router as extensions_router
from services.escalation.entrypoints.http import router
from services.escalation.entrypoints.limits_http import router as limits_router
from services.escalation.entrypoints.rates_http import router as rates_router
from services.escalation.entrypoints.screening_consumers import (
    registry_view_consumer,
    screening_returns_consumer,
)
from services.escalation.entrypoints.supervision_http import router as supervision_router
from services.escalation.service_layer import screening
from services.escalation.service_layer.cards import card_handlers
from services.escalation.service_layer.figures import (
    FIGURES_INTERVAL_S,
    refresh_at_start,
    refresh_clock_figures,
)
from services.escalation.service_layer.idempotent import purge_keys
from services.escalation.service_layer.screening_figures import refresh_screening_figures
from services.escalation.service_layer.supervision import supervision_handlers
from services.escalation.service_layer.unit_of_work import EscalationUnitOfWork
from shared.periodic import PeriodicTask
from shared.runtime import ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "escalation"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"
IDEMPOTENCY_TTL = timedelta(days=1)


def build_runtime(
    settings: GridcaseSettings, cadences: Mapping[str, DistrictCadence] | None = None
) -> ServiceRuntime[None]:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=TABLES,
        state=None,
        uow_class=EscalationUnitOfWork,
    )
    runtime.consumer_specs.append(clock_consumer())
    # Warnings and cards: fired by the durable scheduler on the runtime's clock.
    runtime.job_handlers.update(card_handlers(lambda: runtime.clock.now()))
    # Supervision (督办): a missing answer flagged once at its due time.
    runtime.job_handlers.update(supervision_handlers(lambda: runtime.clock.now()))
    runtime.on_start.append(refresh_at_start)
    runtime.periodic.append(
        PeriodicTask("refresh-figures", FIGURES_INTERVAL_S, refresh_clock_figures)
    )
    runtime.periodic.append(PeriodicTask("purge-idempotency-keys", 3600.0, _purge_keys))
    _screening(runtime, load_cadences() if cadences is None else cadences)
    return runtime


async def _purge_keys(runtime: ServiceRuntime[None]) -> None:
    async with runtime.uow() as uow:
        await purge_keys(uow, IDEMPOTENCY_TTL)


def _screening(runtime: ServiceRuntime[None], cadences: Mapping[str, DistrictCadence]) -> None:
    """Screening (排查): the registry view and returns consumers, the daily period job
    and the due job on the scheduler (its clock is the runtime's, read when they fire),
    each district's series made sure of at start, and the gauge."""
    runtime.consumer_specs += [registry_view_consumer(), screening_returns_consumer()]
    runtime.job_handlers.update(screening.job_handlers(cadences, lambda: runtime.clock.now()))

    async def ensure(rt: ServiceRuntime[None]) -> None:
        await screening.ensure_series_at_start(rt.uow, cadences, rt.clock)

    runtime.on_start.append(ensure)
    runtime.periodic.append(
        PeriodicTask("refresh-screening-figures", FIGURES_INTERVAL_S, refresh_screening_figures)
    )


def build_app(runtime: ServiceRuntime[None], *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [
            router,
            limits_router,
            calendar_router,
            rates_router,
            extensions_router,
            supervision_router,
        ],
        title="GridCase escalation",
        description="Time limits, supervision, escalation and the monthly cycle.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
