"""The screening gauge: tasks of the periods under way by street and status, so
"missing returns per street" is one series (``status="missing"``).

Refreshed by a periodic query with the other figures' cadence, never per scrape;
labelled down to the street only.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.escalation.adapters.screening_figures import current_tasks_by_street
from shared.metrics import SCREENING_TASKS
from shared.runtime import ServiceRuntime
from shared.scheduling import DEFAULT_TIMEZONE

# Periods are local dates; "under way" is judged in the districts' usual zone.
_ZONE = ZoneInfo(DEFAULT_TIMEZONE)


async def refresh_screening_figures(runtime: ServiceRuntime[None]) -> None:
    today = runtime.clock.now().astimezone(_ZONE).date()
    async with runtime.uow() as uow:
        counts = await current_tasks_by_street(uow.connection, today)
    # Cleared and set with no await between: a scrape never sees half a refresh.
    SCREENING_TASKS.clear()
    for count in counts:
        SCREENING_TASKS.labels(runtime.name, count.street, count.status).set(count.tasks)
