"""Reads of escalation's clocks, always within the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import clocks
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


@dataclass(frozen=True)
class ClockView:
    clock_id: str
    stage: str
    category: str
    unit_code: str | None
    status: str
    started_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime


_COLUMNS = [clocks.c[name] for name in ClockView.__dataclass_fields__]


async def clocks_of_case(
    conn: AsyncConnection, principal: Principal, case_id: str
) -> list[ClockView]:
    """Oldest first. Clocks know the case's unit, not its handler."""
    query = (
        select(*_COLUMNS)
        .where(clocks.c.case_id == case_id, jurisdiction(principal, unit=clocks.c.unit_code))
        .order_by(clocks.c.started_at)
    )
    return [ClockView(**row._mapping) for row in await conn.execute(query)]
