"""Screening (排查) in escalation: open each period's tasks, flag missing returns, and
record the returns intake announces.

Both jobs run on the durable scheduler (shared/scheduling), inside the sweeper's unit
of work: a district's daily series (its rule, time zone and time of day are stored with
the job) asks "does a period start today?" of the cadence data, and opens one task per
grid of the district that escalation's registry view knows, each with a one-off due
job. Unique rows make every step exactly-once: a period per district and day, a task
per period and grid, a due job per task (its dedupe key), a return per task.

A major dispute found in screening needs nothing from here: the officer reports it
through the ordinary report path the moment it is found, and a return never holds or
delays a case (DOMAIN.md "The cycle in practice": reported at once, never held).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from services.escalation.adapters.screening_repository import (
    Grid,
    OpenPeriod,
    ScreeningRepository,
)
from services.escalation.domain.screening import (
    DistrictCadence,
    Period,
    period_opening_on,
    receiving_unit,
    series_after,
    task_id,
)
from shared.clock import Clock
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import ScreeningReturnMissingV1, ScreeningTaskOpenedV1
from shared.events.intake import ScreeningReturnFiledV1
from shared.events.routing import UnitRemovedV1, UnitUpsertedV1
from shared.logging import get_logger
from shared.scheduling import (
    JobHandler,
    Recurrence,
    ScheduledJob,
    schedule,
    schedule_recurring,
)

log = get_logger(__name__)

PERIOD_DAY = "escalation.screening.period_day"
RETURN_DUE = "escalation.screening.return_due"
# A street's code is the first 9 digits of a unit code (乡镇/街道).
_STREET_DIGITS = 9
_DISTRICT_DIGITS = 6  # GB/T 2260: a unit code starts with its district's


def series_key(district_code: str) -> str:
    return f"screening:{district_code}"


def daily_rule(district: DistrictCadence) -> Recurrence:
    """Every day at the district's opening time, in its time zone (the rule is data in
    the job row)."""
    start = datetime.combine(date(2020, 1, 1), district.opens_at)
    return Recurrence("FREQ=DAILY", start=start, timezone=district.timezone)


async def ensure_series(
    uow: UnitOfWork, cadences: Mapping[str, DistrictCadence], now: datetime
) -> None:
    """Every district in the cadence data has its daily series (safe at every start:
    a series with an occurrence waiting is left alone). No commit."""
    for code, district in sorted(cadences.items()):
        await schedule_recurring(
            uow,
            PERIOD_DAY,
            daily_rule(district),
            series_key=series_key(code),
            after=series_after(district, now),
            payload={"district_code": code},
        )


async def open_period_of_day(
    uow: UnitOfWork,
    job: ScheduledJob,
    cadences: Mapping[str, DistrictCadence],
    now: datetime,
) -> Period | None:
    """The daily job: if a period starts on the job's day, open one task per grid."""
    district = cadences.get(str(job.payload.get("district_code")))
    if district is None:
        return None  # the district left the data: its series runs dry harmlessly
    day = job.scheduled_for.astimezone(district.zone).date()
    period = period_opening_on(district, day)
    if period is None:
        return None
    repo = ScreeningRepository(uow.connection)
    is_new = await repo.insert_period(
        {
            "period_key": period.key,
            "district_code": period.district_code,
            "schedule": period.schedule,
            "cadence": period.cadence.value,
            "period_start": period.start,
            "period_end": period.end,
            "due_at": period.due_at,
            "opened_at": now,
        }
    )
    if is_new:
        record = OpenPeriod(
            period.key,
            period.district_code,
            period.schedule,
            period.cadence.value,
            period.start,
            period.end,
            period.due_at,
        )
        await _open_tasks(uow, repo, record, await repo.grids_under(period.district_code), now)
    return period


async def _open_tasks(
    uow: UnitOfWork, repo: ScreeningRepository, period: OpenPeriod, grids: list[Grid], now: datetime
) -> None:
    """One task per grid of ``period`` (new ones only), each announced with its due job."""
    rows: list[dict[str, Any]] = [
        {
            "task_id": task_id(period.period_key, grid.code),
            "period_key": period.period_key,
            "district_code": period.district_code,
            "street_code": grid.code[:_STREET_DIGITS],
            "grid_code": grid.code,
            "period_start": period.period_start,
            "due_at": period.due_at,
            "status": "open",
            "opened_at": now,
        }
        for grid in grids
    ]
    opened = await repo.insert_tasks(rows)
    names = {grid.code: grid.name for grid in grids}
    for row in rows:
        if row["task_id"] not in opened:
            continue
        uow.publish(
            topics.CYCLE,
            row["task_id"],
            ScreeningTaskOpenedV1(
                task_id=row["task_id"],
                period_key=period.period_key,
                district_code=period.district_code,
                grid_code=row["grid_code"],
                grid_name=names[row["grid_code"]],
                schedule=period.schedule,
                cadence=period.cadence,  # type: ignore[arg-type]
                period_start=period.period_start,
                period_end=period.period_end,
                due_at=period.due_at,
                opened_at=now,
            ),
        )
        await schedule(
            uow, RETURN_DUE, period.due_at, {"task_id": row["task_id"]}, dedupe_key=row["task_id"]
        )


async def flag_missing_return(
    uow: UnitOfWork,
    job: ScheduledJob,
    cadences: Mapping[str, DistrictCadence],
    now: datetime,
) -> bool:
    """At the due time: a task still open is missing its return, a late item (issue 15:
    "flagged, counted and escalated like any late item"). It is flagged once and, in the
    same statement and event, escalated (上报) to the grid's unit at the level the
    district's cadence data names (``missing_return_escalates_to``), whose centre chases
    it and whose meeting lists it. A filed task is left alone."""
    task = str(job.payload["task_id"])
    repo = ScreeningRepository(uow.connection)
    flagged = await repo.flag_missing(task, now)
    if flagged is None:
        return False
    district = cadences.get(flagged.district_code)
    target = receiving_unit(district, flagged.grid_code) if district is not None else None
    if target is not None:
        await repo.mark_escalated(task, target[0], now)
    uow.publish(
        topics.CYCLE,
        flagged.task_id,
        ScreeningReturnMissingV1(
            task_id=flagged.task_id,
            period_key=flagged.period_key,
            district_code=flagged.district_code,
            grid_code=flagged.grid_code,
            period_start=flagged.period_start,
            due_at=flagged.due_at,
            flagged_at=now,
            escalated_to_unit_code=target[0] if target else None,
            escalated_to_level=target[1] if target else None,  # type: ignore[arg-type]
        ),
    )
    if target is not None:
        log.info("screening_return_escalated", task_id=task, to_level=target[1])
    return True


# --- consumers (no commit: the consumer commits with its inbox) ----------------------


async def apply_return_filed(uow: UnitOfWork, filed: ScreeningReturnFiledV1) -> None:
    """Keep the return; its task is filed, late if after the due time (a task already
    flagged missing stays counted as flagged, ``missing_flagged_at``)."""
    await ScreeningRepository(uow.connection).record_return(
        {
            "task_id": filed.task_id,
            "grid_code": filed.grid_code,
            "period_key": filed.period_key,
            "nil_report": filed.nil_report,
            "case_ids": list(filed.case_ids),
            "filed_at": filed.filed_at,
            "filed_by": filed.filed_by,
        }
    )


async def apply_unit_upserted(uow: UnitOfWork, unit: UnitUpsertedV1) -> None:
    """Keep the unit. A grid that becomes known while a period of its district still
    takes returns on time gets its task for that period too (a new grid, or the
    registry arriving after the period opened)."""
    repo = ScreeningRepository(uow.connection)
    await repo.upsert_unit(
        unit.code,
        {
            "name": unit.name,
            "level": unit.level,
            "parent_code": unit.parent_code,
            "changed_at": unit.changed_at,
        },
    )
    if unit.level != "grid":
        return
    grid = [Grid(unit.code, unit.name)]
    for period in await repo.periods_taking_returns(unit.code[:_DISTRICT_DIGITS], unit.changed_at):
        await _open_tasks(uow, repo, period, grid, unit.changed_at)


async def apply_unit_removed(uow: UnitOfWork, removed: UnitRemovedV1) -> None:
    await ScreeningRepository(uow.connection).delete_unit(removed.code, removed.changed_at)


# --- wiring helpers for bootstrap -----------------------------------------------------


def job_handlers(
    cadences: Mapping[str, DistrictCadence], now: Callable[[], datetime]
) -> dict[str, JobHandler[UnitOfWork]]:
    """The scheduler's handlers by kind; ``now`` reads the runtime's clock when a job
    fires (tests swap the clock after wiring)."""

    async def period_day(uow: UnitOfWork, job: ScheduledJob) -> None:
        await open_period_of_day(uow, job, cadences, now())

    async def return_due(uow: UnitOfWork, job: ScheduledJob) -> None:
        await flag_missing_return(uow, job, cadences, now())

    return {PERIOD_DAY: period_day, RETURN_DUE: return_due}


async def ensure_series_at_start(
    runtime_uow: Callable[[], UnitOfWork], cadences: Mapping[str, DistrictCadence], clock: Clock
) -> None:
    async with runtime_uow() as uow:
        await ensure_series(uow, cadences, clock.now())
        await uow.commit()
