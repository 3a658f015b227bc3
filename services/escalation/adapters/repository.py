"""Writes to escalation's clocks and the case categories they are planned from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import case_categories, clocks


class ClockRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def categories(self, case_ids: list[str]) -> dict[str, str]:
        """The category remembered for each of these cases that has one."""
        rows = await self.conn.execute(_CATEGORIES, {"ids": case_ids})
        return {row.case_id: row.category for row in rows}

    async def add_categories(self, rows: list[dict[str, Any]]) -> None:
        """``{case_id, category}`` rows; a case's first category is kept."""
        if rows:
            await self.conn.execute(_ADD_CATEGORY, rows)

    async def add_clocks(self, rows: list[dict[str, Any]]) -> None:
        """Clock rows; a case's first clock of a stage is kept."""
        if rows:
            await self.conn.execute(_ADD_CLOCK, rows)


# Built once, and run with a list of rows (one prepared statement, pipelined).
_CATEGORIES = select(case_categories.c.case_id, case_categories.c.category).where(
    case_categories.c.case_id == any_(bindparam("ids", type_=ARRAY(Text)))
)
_ADD_CATEGORY = insert(case_categories).on_conflict_do_nothing()
_ADD_CLOCK = insert(clocks).on_conflict_do_nothing(constraint="uq_clocks_case_stage")
