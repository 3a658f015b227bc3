"""Wires the mediation service: its case view consumer and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.mediation.adapters.tables import TABLES
from services.mediation.entrypoints import web
from services.mediation.entrypoints.consumers import case_view_consumer
from services.mediation.entrypoints.http import router
from shared.runtime import ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "mediation"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> ServiceRuntime:
    runtime = ServiceRuntime(name=NAME, settings=settings, tables=TABLES)
    runtime.consumer_specs.append(case_view_consumer())
    return runtime


def build_app(runtime: ServiceRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router, *web.routers],
        title="GridCase mediation",
        description="Case work: the dashboard, mediation sessions, agreements and follow-ups.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
