"""Reads of escalation's clocks and ratings, always within the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import case_ratings, clocks
from services.escalation.domain.satisfaction import RatedCounts
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


async def rated_counts(
    conn: AsyncConnection, principal: Principal, start: datetime, end: datetime
) -> RatedCounts:
    """Ratings given in [start, end) to cases of units in ``principal``'s jurisdiction,
    by rating (what 满意率 is computed from; unrated cases are counted elsewhere)."""
    rows = await conn.execute(
        select(case_ratings.c.rating, func.count().label("n"))
        .where(
            case_ratings.c.rated_at >= start,
            case_ratings.c.rated_at < end,
            jurisdiction(principal, unit=case_ratings.c.unit_code),
        )
        .group_by(case_ratings.c.rating)
    )
    by_rating = {row.rating: int(row.n) for row in rows}
    return RatedCounts(
        satisfied=by_rating.get("satisfied", 0),
        basically_satisfied=by_rating.get("basically_satisfied", 0),
        not_satisfied=by_rating.get("not_satisfied", 0),
    )
