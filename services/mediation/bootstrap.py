"""Wires the mediation service: its case and cycle view consumers, case work and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.mediation.adapters import (
    case_work_tables,  # noqa: F401  (registers the tables)
    clock_tables,  # noqa: F401  (registers the table)
    presence,  # noqa: F401  (registers the table)
    rating_tables,  # noqa: F401  (registers the table)
    report_tables,  # noqa: F401  (registers the table)
)
from services.mediation.adapters.assignment_notices import AssignmentListener
from services.mediation.adapters.escalation_client import EscalationClient
from services.mediation.adapters.routing_client import RoutingClient
from services.mediation.adapters.tables import TABLES
from services.mediation.entrypoints import web
from services.mediation.entrypoints.case_work import router as case_work_router
from services.mediation.entrypoints.consumers import case_view_consumer
from services.mediation.entrypoints.cycle_consumer import cycle_view_consumer
from services.mediation.entrypoints.documents import router as documents_router
from services.mediation.entrypoints.http import router
from services.mediation.entrypoints.registry_consumer import registry_consumer
from services.mediation.entrypoints.report_work import router as report_work_router
from services.mediation.service_layer import case_work
from services.mediation.service_layer.figures import (
    FIGURES_INTERVAL_S,
    refresh_at_start,
    refresh_case_figures,
)
from services.mediation.state import MediationRuntime, MediationState
from shared.periodic import PeriodicTask
from shared.privacy.crypto import KeyRing
from shared.runtime import ServiceRuntime, create_app
from shared.settings import GridcaseSettings

NAME = "mediation"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> MediationRuntime:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=TABLES,
        state=MediationState(
            pii_keys=KeyRing.parse(settings.pii_keys),
            routing_client=RoutingClient(settings.routing_base_url()),
            escalation_client=EscalationClient(settings.escalation_base_url()),
            assignment_listener=AssignmentListener(lambda: settings.database_url_for(NAME)),
        ),
    )
    runtime.on_stop.append(_close_clients)
    runtime.consumer_specs.append(case_view_consumer())
    runtime.consumer_specs.append(cycle_view_consumer())
    runtime.consumer_specs.append(registry_consumer())
    runtime.on_start.append(refresh_at_start)
    runtime.periodic.append(
        PeriodicTask("refresh-figures", FIGURES_INTERVAL_S, refresh_case_figures)
    )
    runtime.periodic.append(PeriodicTask("purge-idempotency-keys", 3600.0, _purge_keys))
    return runtime


async def _close_clients(runtime: MediationRuntime) -> None:
    await runtime.state.assignment_listener.close()
    await runtime.state.routing_client.aclose()
    await runtime.state.escalation_client.aclose()


async def _purge_keys(runtime: MediationRuntime) -> None:
    async with runtime.uow() as uow:
        await case_work.purge_keys(uow)


def build_app(runtime: MediationRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router, case_work_router, report_work_router, documents_router, *web.routers],
        title="GridCase mediation",
        description="Case work: the dashboard, mediation sessions, agreements and follow-ups.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
