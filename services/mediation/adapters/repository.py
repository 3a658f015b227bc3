"""Writes to mediation's case view: lock a batch's rows, upsert the folded results."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.tables import case_counts, cases


class CaseViewRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def lock_statuses(self, case_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """The current status and unit of those cases that have a row, locked in id order."""
        rows = await self.conn.execute(_LOCK_CASES, {"ids": sorted(case_ids)})
        return {row.case_id: (row.status, row.unit_code) for row in rows}

    async def count(self, deltas: dict[tuple[str, str], int]) -> None:
        """Move the counts by unit and status, in key order (two batches touching the
        same counts wait for each other instead of deadlocking)."""
        changed = [
            {"unit_code": unit, "status": status, "cases": delta}
            for (unit, status), delta in sorted(deltas.items())
            if delta
        ]
        if changed:
            await self.conn.execute(_COUNT, changed)

    async def upsert(self, rows: list[dict[str, Any]]) -> None:
        """Insert or update each row's columns: one statement per shape of row."""
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_shape.setdefault(tuple(sorted(row)), []).append(row)
        for shape, shaped in by_shape.items():
            await self.conn.execute(_upsert(shape), shaped)


# Built once: the same SQL every time is compiled and prepared once per connection.
_LOCK_CASES = (
    select(cases.c.case_id, cases.c.status, cases.c.unit_code)
    .where(cases.c.case_id == any_(bindparam("ids", type_=ARRAY(Text))))
    .order_by(cases.c.case_id)
    .with_for_update()
)


_COUNT_INSERT = insert(case_counts)
_COUNT = _COUNT_INSERT.on_conflict_do_update(
    index_elements=[case_counts.c.unit_code, case_counts.c.status],
    set_={"cases": case_counts.c.cases + _COUNT_INSERT.excluded.cases},
)


@functools.cache
def _upsert(shape: tuple[str, ...]) -> Insert:
    """Insert or update the ``shape`` columns of the case view."""
    stmt = insert(cases).values({k: bindparam(k) for k in shape})
    return stmt.on_conflict_do_update(
        index_elements=[cases.c.case_id],
        set_={k: stmt.excluded[k] for k in shape if k != "case_id"},
    )
