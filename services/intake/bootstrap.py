"""Wires the intake service: tables, routes, no consumers yet. Nothing connects here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.adapters.tables import SCHEMA, TABLES
from services.intake.entrypoints.http import router
from shared.runtime import ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "intake"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> ServiceRuntime:
    assert TABLES.schema == SCHEMA
    return ServiceRuntime(name=NAME, settings=settings, tables=TABLES)


def build_app(runtime: ServiceRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router],
        title="GridCase intake",
        description="Situation reports and disputes from grid officers and residents.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    """For ``uvicorn --factory services.intake.bootstrap:app_factory``."""
    return build_app(build_runtime(GridcaseSettings()))
