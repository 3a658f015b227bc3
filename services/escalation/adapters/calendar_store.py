"""The working calendar's rows: one per year, with a version per change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import calendar_years
from shared.working_calendar import WorkingCalendar, YearCalendar


def year_of(row: Any) -> YearCalendar:
    return YearCalendar(
        year=row.year,
        holidays=frozenset(row.holidays),
        makeup_workdays=frozenset(row.makeup_workdays),
        provisional=row.provisional,
        source=row.source,
    )


class CalendarRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def calendar(self) -> WorkingCalendar:
        """Every year on record (a handful of rows)."""
        rows = await self.conn.execute(_ALL)
        return WorkingCalendar({row.year: year_of(row) for row in rows})

    async def lock_version(self, year: int) -> int | None:
        row = (
            await self.conn.execute(
                select(calendar_years.c.version)
                .where(calendar_years.c.year == year)
                .with_for_update()
            )
        ).first()
        return int(row.version) if row is not None else None

    async def put(self, year: YearCalendar, *, version: int, actor_id: str) -> None:
        values = {
            "year": year.year,
            "holidays": sorted(year.holidays),
            "makeup_workdays": sorted(year.makeup_workdays),
            "provisional": year.provisional,
            "source": year.source,
            "version": version,
            "updated_by": actor_id,
        }
        statement = insert(calendar_years).values(values)
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[calendar_years.c.year],
                set_={k: statement.excluded[k] for k in values if k != "year"}
                | {"updated_at": statement.excluded.updated_at},
            )
        )


_ALL = select(calendar_years).order_by(calendar_years.c.year)
