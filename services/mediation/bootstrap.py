"""Wires the mediation service: its case view consumer and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.mediation.adapters import case_work_tables  # noqa: F401  (registers the tables)
from services.mediation.adapters.tables import TABLES
from services.mediation.entrypoints.case_work import router as case_work_router
from services.mediation.entrypoints.consumers import case_view_consumer
from services.mediation.entrypoints.http import router
from services.mediation.service_layer import case_work
from shared.privacy.crypto import KeyRing
from shared.runtime import PeriodicTask, ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "mediation"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> ServiceRuntime:
    runtime = ServiceRuntime(name=NAME, settings=settings, tables=TABLES)
    runtime.consumer_specs.append(case_view_consumer())
    # Parties' details in case files are sealed with the same key ring as intake's.
    runtime.state["pii_keys"] = KeyRing.parse(settings.pii_keys)
    runtime.periodic.append(PeriodicTask("purge-idempotency-keys", 3600.0, _purge_keys))
    return runtime


async def _purge_keys(runtime: ServiceRuntime) -> None:
    async with runtime.uow() as uow:
        await case_work.purge_keys(uow)


def build_app(runtime: ServiceRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router, case_work_router],
        title="GridCase mediation",
        description="Case work: the dashboard, mediation sessions, agreements and follow-ups.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
