"""Reads of escalation's clocks and ratings (always within the caller's jurisdiction),
its limits and its calendar (district-wide data every staff member may read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.calendar_store import year_of
from services.escalation.adapters.limits import limit_row
from services.escalation.adapters.tables import (
    calendar_years,
    case_ratings,
    clocks,
    time_limit_changes,
    time_limits,
)
from services.escalation.domain.limits import LimitKey, LimitRow
from services.escalation.domain.satisfaction import RatedCounts
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal
from shared.working_calendar import YearCalendar


@dataclass(frozen=True)
class ClockView:
    clock_id: str
    stage: str
    occurrence: str
    category: str
    risk: str
    unit_code: str | None
    unit_level: str | None
    handler_id: str | None
    status: str
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None
    yellow_at: datetime
    red_at: datetime
    counting: str
    limit_key: str | None
    limit_version: int | None
    paused_at: datetime | None
    remaining_s: float | None
    remaining_working_days: int | None
    stopped_at: datetime | None
    warned_at: datetime | None
    yellow_fired_at: datetime | None
    red_fired_at: datetime | None


_COLUMNS = [clocks.c[name] for name in ClockView.__dataclass_fields__]


async def clocks_of_case(
    conn: AsyncConnection, principal: Principal, case_id: str
) -> list[ClockView]:
    """Oldest first. Clocks know the case's unit and handler."""
    query = (
        select(*_COLUMNS)
        .where(
            clocks.c.case_id == case_id,
            jurisdiction(principal, unit=clocks.c.unit_code, assignee=clocks.c.handler_id),
        )
        .order_by(clocks.c.started_at, clocks.c.stage, clocks.c.occurrence)
    )
    return [ClockView(**row._mapping) for row in await conn.execute(query)]


async def all_limits(conn: AsyncConnection) -> list[LimitRow]:
    rows = await conn.execute(
        select(time_limits).order_by(
            time_limits.c.category, time_limits.c.level, time_limits.c.risk, time_limits.c.stage
        )
    )
    return [limit_row(r) for r in rows]


async def one_limit(conn: AsyncConnection, key: LimitKey) -> LimitRow | None:
    row = (
        await conn.execute(
            select(time_limits).where(
                time_limits.c.category == key.category,
                time_limits.c.level == key.level,
                time_limits.c.risk == key.risk,
                time_limits.c.stage == key.stage,
            )
        )
    ).first()
    return limit_row(row) if row is not None else None


@dataclass(frozen=True)
class LimitChange:
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any]
    actor_id: str
    actor_role: str
    note: str | None
    changed_at: datetime


async def limit_changes(conn: AsyncConnection, key: LimitKey) -> list[LimitChange]:
    rows = await conn.execute(
        select(
            time_limit_changes.c.version,
            time_limit_changes.c.before,
            time_limit_changes.c.after,
            time_limit_changes.c.actor_id,
            time_limit_changes.c.actor_role,
            time_limit_changes.c.note,
            time_limit_changes.c.changed_at,
        )
        .where(time_limit_changes.c.limit_key == key.label())
        .order_by(time_limit_changes.c.version)
    )
    return [LimitChange(**r._mapping) for r in rows]


@dataclass(frozen=True)
class YearView:
    year: YearCalendar
    version: int
    updated_at: datetime
    updated_by: str | None


async def calendar_years_view(conn: AsyncConnection, year: int | None = None) -> list[YearView]:
    query = select(calendar_years).order_by(calendar_years.c.year)
    if year is not None:
        query = query.where(calendar_years.c.year == year)
    return [
        YearView(year_of(r), r.version, r.updated_at, r.updated_by)
        for r in await conn.execute(query)
    ]


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
