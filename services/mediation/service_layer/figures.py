"""The business gauges mediation exports: cases by street and status.

Refreshed by a periodic query (``FIGURES_INTERVAL_S``), never per scrape, and labelled
down to the street only: never a case or a person.
"""

from __future__ import annotations

import time
from typing import Any

from services.mediation.adapters.figures import cases_by_street_and_status
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.metrics import CASES, FIGURES_REFRESHED
from shared.runtime import ServiceRuntime

FIGURES_INTERVAL_S = 15.0

log = get_logger(__name__)


async def refresh_case_figures(runtime: ServiceRuntime[Any]) -> None:
    async with runtime.uow() as uow:
        counts = await cases_by_street_and_status(uow.connection)
    # Cleared and set with no await between: a scrape never sees half a refresh, and a
    # street or status with no case left drops out instead of keeping its last count.
    CASES.clear()
    for count in counts:
        CASES.labels(runtime.name, count.street, count.status).set(count.cases)
    FIGURES_REFRESHED.labels(runtime.name).set(time.time())


async def refresh_at_start(runtime: ServiceRuntime[Any]) -> None:
    """The first refresh, so the gauges exist from start-up; a failure waits for the next."""
    try:
        await refresh_case_figures(runtime)
    except Exception as exc:
        log.warning("figures_refresh_failed", error=describe_error(exc))
