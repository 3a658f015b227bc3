"""Reads behind escalation's business gauges: counts only, one grouped scan per refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import clocks

_NOW = bindparam("now", type_=DateTime(timezone=True))
# The last deadline a running clock has passed: red after yellow after due.
_STATE = case(
    (clocks.c.red_at <= _NOW, "past_red"),
    (clocks.c.yellow_at <= _NOW, "past_yellow"),
    (clocks.c.due_at <= _NOW, "past_due"),
    else_="on_time",
).label("state")
# A unit code's first 9 digits are its street or township (乡镇/街道).
_STREET = func.coalesce(func.left(clocks.c.unit_code, 9), "none").label("street")
_RUNNING_BY_STREET = (
    select(_STREET, clocks.c.stage, _STATE, func.count().label("clocks"))
    .where(clocks.c.status == "running")
    .group_by(_STREET, clocks.c.stage, _STATE)
)


@dataclass(frozen=True)
class ClockCount:
    street: str
    stage: str
    state: str
    clocks: int


async def running_clocks_by_street(conn: AsyncConnection, now: datetime) -> list[ClockCount]:
    rows = await conn.execute(_RUNNING_BY_STREET, {"now": now})
    return [ClockCount(row.street, row.stage, row.state, row.clocks) for row in rows]
