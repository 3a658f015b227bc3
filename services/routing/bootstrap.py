"""Wires the routing service: tables, the case and cycle consumers, routes, and the
hourly purge of old idempotency keys."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.routing.adapters.tables import TABLES
from services.routing.entrypoints.admin_http import router as admin_router
from services.routing.entrypoints.auth_http import router as auth_router
from services.routing.entrypoints.consumers import case_consumer
from services.routing.entrypoints.cycle_consumer import cycle_consumer
from services.routing.entrypoints.http import router
from services.routing.service_layer.handlers import RoutingCache
from services.routing.service_layer.idempotent import purge_keys
from services.routing.state import RoutingRuntime, RoutingState
from shared.db.rate_limits import RateLimitCounters
from shared.http.ratelimit import SharedRateLimiter
from shared.periodic import PeriodicTask
from shared.runtime import create_app
from shared.settings import GridcaseSettings

NAME = "routing"
MIGRATIONS = Path(__file__).parent / "adapters" / "alembic"


def build_runtime(settings: GridcaseSettings) -> RoutingRuntime:
    state = RoutingState(
        routing_cache=RoutingCache(),
        # Counted in routing's database, so every routing process shares the limit
        # (``runtime`` is bound below, before any request).
        login_limiter=SharedRateLimiter(
            RateLimitCounters(lambda: runtime.engine, TABLES.schema),
            settings.login_rate_per_minute,
            name="login",
        ),
    )
    runtime = RoutingRuntime(name=NAME, settings=settings, tables=TABLES, state=state)
    state.routing_cache.now = lambda: runtime.clock.now()  # read when a case is routed
    runtime.consumer_specs.append(case_consumer(state.routing_cache))
    runtime.consumer_specs.append(cycle_consumer(state.routing_cache))
    runtime.periodic.append(PeriodicTask("purge-idempotency-keys", 3600.0, _purge_keys))
    return runtime


async def _purge_keys(runtime: RoutingRuntime) -> None:
    async with runtime.uow() as uow:
        await purge_keys(uow)


def build_app(runtime: RoutingRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    return create_app(
        runtime,
        [router, admin_router, auth_router],
        title="GridCase routing",
        description="Organisation tree, grids, staff and explainable case routing.",
        manage_lifecycle=manage_lifecycle,
    )


def app_factory() -> FastAPI:
    return build_app(build_runtime(GridcaseSettings()))
