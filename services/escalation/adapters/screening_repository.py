"""Writes of screening (排查): the registry view, periods, tasks and returns.

Uniqueness does the exactly-once work: a period is inserted once per district and
start day, a task once per period and grid, a return once per task; each insert
answers whether it was new, and only new rows are announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.screening_tables import (
    registry_units,
    screening_periods,
    screening_returns,
    screening_tasks,
)


@dataclass(frozen=True)
class Grid:
    code: str
    name: str


@dataclass(frozen=True)
class FlaggedTask:
    task_id: str
    period_key: str
    district_code: str
    grid_code: str
    period_start: Any
    due_at: datetime


@dataclass(frozen=True)
class OpenPeriod:
    period_key: str
    district_code: str
    schedule: str
    cadence: str
    period_start: date
    period_end: date
    due_at: datetime


class ScreeningRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    # -- registry view ----------------------------------------------------------------

    async def upsert_unit(self, code: str, values: dict[str, Any]) -> None:
        """An older change arriving late never overwrites a newer one."""
        stmt = insert(registry_units).values(code=code, **values)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["code"],
                set_=values,
                where=registry_units.c.changed_at <= stmt.excluded.changed_at,
            )
        )

    async def delete_unit(self, code: str, changed_at: datetime) -> None:
        await self.conn.execute(
            delete(registry_units).where(
                and_(registry_units.c.code == code, registry_units.c.changed_at <= changed_at)
            )
        )

    async def grids_under(self, district_code: str) -> list[Grid]:
        rows = await self.conn.execute(_GRIDS_UNDER, {"prefix": district_code})
        return [Grid(row.code, row.name) for row in rows]

    # -- periods and tasks --------------------------------------------------------------

    async def insert_period(self, row: dict[str, Any]) -> bool:
        """True if this period was not opened before."""
        result = await self.conn.execute(_INSERT_PERIOD, row)
        return result.first() is not None

    async def periods_taking_returns(self, district_code: str, at: datetime) -> list[OpenPeriod]:
        """The district's periods opened by ``at`` whose returns are not yet due."""
        rows = await self.conn.execute(_TAKING_RETURNS, {"district": district_code, "at": at})
        return [OpenPeriod(**row._mapping) for row in rows]

    async def insert_tasks(self, rows: list[dict[str, Any]]) -> set[str]:
        """The ids of the tasks that were new."""
        if not rows:
            return set()
        result = await self.conn.execute(_INSERT_TASKS.values(rows))
        return {row.task_id for row in result}

    async def flag_missing(self, task_id: str, flagged_at: datetime) -> FlaggedTask | None:
        """Mark an open task missing; None if it was filed (or flagged) already."""
        result = await self.conn.execute(_FLAG_MISSING, {"b_task_id": task_id, "b_now": flagged_at})
        row = result.first()
        if row is None:
            return None
        return FlaggedTask(
            row.task_id,
            row.period_key,
            row.district_code,
            row.grid_code,
            row.period_start,
            row.due_at,
        )

    async def mark_escalated(self, task_id: str, unit_code: str, at: datetime) -> None:
        """Where the missing return was escalated (上报), beside its missing flag."""
        await self.conn.execute(
            _MARK_ESCALATED, {"b_task_id": task_id, "b_unit": unit_code, "b_at": at}
        )

    async def record_return(self, row: dict[str, Any]) -> bool:
        """Keep the return (the first one per task) and mark its task filed, late when
        filed after the due time; False if the return was known already."""
        inserted = (await self.conn.execute(_INSERT_RETURN, row)).first() is not None
        if inserted:
            await self.conn.execute(
                _MARK_FILED, {"b_task_id": row["task_id"], "b_filed_at": row["filed_at"]}
            )
        return inserted


# Built once (one prepared statement each).
_GRIDS_UNDER = (
    select(registry_units.c.code, registry_units.c.name)
    .where(registry_units.c.level == "grid", registry_units.c.code.startswith(bindparam("prefix")))
    .order_by(registry_units.c.code)
)
_TAKING_RETURNS = select(
    *(screening_periods.c[name] for name in OpenPeriod.__dataclass_fields__)
).where(
    screening_periods.c.district_code == bindparam("district"),
    screening_periods.c.opened_at <= bindparam("at"),
    screening_periods.c.due_at > bindparam("at"),
)
_INSERT_PERIOD = (
    insert(screening_periods).on_conflict_do_nothing().returning(screening_periods.c.period_key)
)
_INSERT_TASKS = (
    insert(screening_tasks).on_conflict_do_nothing().returning(screening_tasks.c.task_id)
)
_FLAG_MISSING = (
    update(screening_tasks)
    .where(screening_tasks.c.task_id == bindparam("b_task_id"), screening_tasks.c.status == "open")
    .values(status="missing", missing_flagged_at=bindparam("b_now"))
    .returning(
        screening_tasks.c.task_id,
        screening_tasks.c.period_key,
        screening_tasks.c.district_code,
        screening_tasks.c.grid_code,
        screening_tasks.c.period_start,
        screening_tasks.c.due_at,
    )
)
_MARK_ESCALATED = (
    update(screening_tasks)
    .where(screening_tasks.c.task_id == bindparam("b_task_id"))
    .values(escalated_to_unit_code=bindparam("b_unit"), escalated_at=bindparam("b_at"))
)
_INSERT_RETURN = (
    insert(screening_returns).on_conflict_do_nothing().returning(screening_returns.c.task_id)
)
_MARK_FILED = (
    update(screening_tasks)
    .where(screening_tasks.c.task_id == bindparam("b_task_id"))
    .values(
        status="filed",
        filed_at=bindparam("b_filed_at"),
        late=screening_tasks.c.due_at < bindparam("b_filed_at"),
    )
)
