"""Writes of residents' ratings: one row per case, the first rating kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import case_ratings

_ADD = insert(case_ratings).on_conflict_do_nothing(index_elements=[case_ratings.c.case_id])


class RatingRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, rows: list[dict[str, Any]]) -> None:
        """``{case_id, rating_id, rating, kind, unit_code, rated_at}`` rows, in one round trip."""
        if rows:
            await self.conn.execute(_ADD, rows)
