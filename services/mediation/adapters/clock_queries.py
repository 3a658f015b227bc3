"""Reads of the clocks mediation heard of: those of a set of cases (the list's page,
"my work", one case). The list's card filter reads the card kept on the case's row
(``adapters/case_deadlines.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.clock_repository import state_of
from services.mediation.adapters.clock_tables import case_clocks
from services.mediation.domain.clocks import ClockState


async def clocks_of(conn: AsyncConnection, case_ids: Sequence[str]) -> dict[str, list[ClockState]]:
    """The clocks of these cases, earliest due first (callers have already checked
    that the cases are the caller's to see)."""
    if not case_ids:
        return {}
    rows = await conn.execute(
        select(case_clocks)
        .where(case_clocks.c.case_id.in_(list(case_ids)))
        .order_by(case_clocks.c.due_at)
    )
    found: dict[str, list[ClockState]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(state_of(row))
    return found
