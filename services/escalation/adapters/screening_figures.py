"""Reads behind the screening gauge: tasks of the periods under way, by street and
status, one grouped scan per refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.screening_tables import screening_periods, screening_tasks

_STATUS = case(
    (
        screening_tasks.c.status == "filed",
        func.concat("filed_", case((screening_tasks.c.late, "late"), else_="on_time")),
    ),
    else_=screening_tasks.c.status,
).label("status")
_BY_STREET = (
    select(screening_tasks.c.street_code.label("street"), _STATUS, func.count().label("tasks"))
    .join(screening_periods, screening_periods.c.period_key == screening_tasks.c.period_key)
    .where(screening_periods.c.period_end > bindparam("today", type_=Date))
    .group_by(screening_tasks.c.street_code, _STATUS)
)


@dataclass(frozen=True)
class TaskCount:
    street: str
    status: str  # open | filed_on_time | filed_late | missing
    tasks: int


async def current_tasks_by_street(conn: AsyncConnection, today: date) -> list[TaskCount]:
    """Tasks of periods not yet ended on ``today`` (local date)."""
    rows = await conn.execute(_BY_STREET, {"today": today})
    return [TaskCount(row.street, row.status, row.tasks) for row in rows]
