"""The business gauges escalation exports: running clocks by street, stage and the last
deadline passed (so "overdue per street" is a sum over ``state != "on_time"``).

Refreshed by a periodic query (``FIGURES_INTERVAL_S``), never per scrape, and labelled
down to the street only: never a case or a person.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from services.escalation.adapters.figures import running_clocks_by_street
from services.escalation.adapters.rate_queries import known_streets
from services.escalation.adapters.supervision_queries import open_supervisions_by_street
from services.escalation.domain.supervision import LEVELS
from services.escalation.service_layer.rate_figures import refresh_rate_figures
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.metrics import FIGURES_REFRESHED, RUNNING_CLOCKS, SUPERVISIONS_OPEN
from shared.runtime import ServiceRuntime

FIGURES_INTERVAL_S = 15.0

log = get_logger(__name__)


async def refresh_clock_figures(runtime: ServiceRuntime[None]) -> None:
    async with runtime.uow() as uow:
        counts = await running_clocks_by_street(uow.connection, datetime.now(UTC))
        streets, supervised = await open_supervisions_by_street(uow.connection)
        # Streets known from the cases too, as the rates' gauges count them.
        streets = sorted(set(streets) | set(await known_streets(uow.connection)))
    # Cleared and set with no await between: a scrape never sees half a refresh.
    RUNNING_CLOCKS.clear()
    for count in counts:
        RUNNING_CLOCKS.labels(runtime.name, count.street, count.stage, count.state).set(
            count.clocks
        )
    # Every known street and level at zero first, so a panel shows 0, not nothing.
    SUPERVISIONS_OPEN.clear()
    for street in streets:
        for level in LEVELS:
            SUPERVISIONS_OPEN.labels(runtime.name, street, level).set(0)
    for open_count in supervised:
        SUPERVISIONS_OPEN.labels(runtime.name, open_count.street, open_count.level).set(
            open_count.supervisions
        )
    await refresh_rate_figures(runtime)
    FIGURES_REFRESHED.labels(runtime.name).set(time.time())


async def refresh_at_start(runtime: ServiceRuntime[None]) -> None:
    """The first refresh, so the gauges exist from start-up; a failure waits for the next."""
    try:
        await refresh_clock_figures(runtime)
    except Exception as exc:
        log.warning("figures_refresh_failed", error=describe_error(exc))
