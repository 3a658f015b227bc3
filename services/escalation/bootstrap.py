"""Wires the escalation service: the clock consumer and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.escalation.adapters.tables import TABLES
from services.escalation.entrypoints.consumers import clock_consumer
from services.escalation.entrypoints.http import router
from services.escalation.entrypoints.rating_consumer import rating_consumer
from services.escalation.service_layer.figures import (
    FIGURES_INTERVAL_S,
    refresh_at_start,
    refresh_clock_figures,
)
from shared.periodic import PeriodicTask
from shared.runtime import ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "escalation"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> ServiceRuntime[None]:
    runtime = ServiceRuntime(name=NAME, settings=settings, tables=TABLES, state=None)
    runtime.consumer_specs.append(clock_consumer())
    runtime.consumer_specs.append(rating_consumer())
    runtime.on_start.append(refresh_at_start)
    runtime.periodic.append(
        PeriodicTask("refresh-figures", FIGURES_INTERVAL_S, refresh_clock_figures)
    )
    return runtime


def build_app(runtime: ServiceRuntime[None], *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router],
        title="GridCase escalation",
        description="Time limits, supervision, escalation and the monthly cycle.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
