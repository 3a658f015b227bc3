"""``/healthz`` (the process is alive), ``/readyz`` (database and Kafka answer) and
``/metrics``, which runs the same checks first so ``gridcase_dependency_up`` is as fresh
as the scrape."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.metrics import DEPENDENCY_UP

Check = Callable[[], Awaitable[bool]]

# Under Prometheus's 10 s scrape timeout even when both dependencies hang.
CHECK_TIMEOUT_S = 3.0


async def _passes(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception:
        return False


async def refresh_dependency_gauges(checks: dict[str, Check], service: str) -> None:
    """Run every check at once and record each as ``gridcase_dependency_up``."""
    passed = await asyncio.gather(*(_passes(check) for check in checks.values()))
    for name, ok in zip(checks, passed, strict=True):
        DEPENDENCY_UP.labels(service, name).set(1 if ok else 0)


def health_router(checks: dict[str, Check], service: str = "") -> APIRouter:
    from shared.auth.policy import PUBLIC

    router = APIRouter(tags=["operations"], dependencies=[Depends(PUBLIC)])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: database and Kafka reachable")
    async def readyz() -> JSONResponse:
        passed = await asyncio.gather(*(_passes(check) for check in checks.values()))
        results = {
            name: "ok" if ok else "unavailable" for name, ok in zip(checks, passed, strict=True)
        }
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        if service:
            await refresh_dependency_gauges(checks, service)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
