"""Screening tasks in intake: the copy of what escalation opened, the lock a return
takes, and the officer's open tasks (jurisdiction in the WHERE clause: a grid officer
sees the tasks of their own grid, and no other's exists for them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.screening_tables import screening_tasks
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


@dataclass(frozen=True)
class TaskView:
    task_id: str
    period_key: str
    grid_code: str
    grid_name: str | None
    schedule: str
    cadence: str
    period_start: date
    period_end: date
    due_at: datetime
    status: str
    nil_report: bool | None
    case_ids: list[str] | None
    filed_at: datetime | None
    filed_by: str | None


_COLUMNS = [screening_tasks.c[name] for name in TaskView.__dataclass_fields__]
_INSERT_TASK = insert(screening_tasks).on_conflict_do_nothing()


async def insert_task(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """A task as escalation opened it; a replayed event changes nothing."""
    await conn.execute(_INSERT_TASK, row)


async def lock_task(conn: AsyncConnection, principal: Principal, task_id: str) -> TaskView | None:
    """The task, locked for the return, if it is in ``principal``'s jurisdiction."""
    query = (
        select(*_COLUMNS)
        .where(
            screening_tasks.c.task_id == task_id,
            jurisdiction(principal, unit=screening_tasks.c.grid_code),
        )
        .with_for_update()
    )
    row = (await conn.execute(query)).first()
    return TaskView(**row._mapping) if row is not None else None


async def mark_filed(conn: AsyncConnection, task_id: str, values: dict[str, Any]) -> None:
    await conn.execute(
        update(screening_tasks)
        .where(screening_tasks.c.task_id == task_id)
        .values(status="filed", **values)
    )


async def open_tasks(conn: AsyncConnection, principal: Principal) -> list[TaskView]:
    """My grid's tasks still waiting for a return, the earliest due first."""
    query = (
        select(*_COLUMNS)
        .where(
            screening_tasks.c.status == "open",
            jurisdiction(principal, unit=screening_tasks.c.grid_code),
        )
        .order_by(screening_tasks.c.due_at, screening_tasks.c.grid_code)
    )
    return [TaskView(**row._mapping) for row in await conn.execute(query)]
