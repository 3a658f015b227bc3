"""Writes of the monthly reports mediation hears of: the rows locked and read, then
upserted (``domain/report_states.py`` folds between)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.report_tables import monthly_reports
from services.mediation.domain.report_states import ReportState

_COLUMNS = [c for c in monthly_reports.c if c.name != "updated_at"]


def state_of(row: Any) -> ReportState:
    return ReportState(
        row.unit_code,
        row.level,
        row.month,
        row.status,
        row.version,
        row.late,
        row.missing,
        row.deadline,
        row.submitted_at,
        row.decided_at,
        dict(row.totals or {}),
        dict(row.rates or {}),
    )


async def lock_reports(
    conn: AsyncConnection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], ReportState]:
    if not keys:
        return {}
    rows = await conn.execute(
        select(*_COLUMNS)
        .where(tuple_(monthly_reports.c.unit_code, monthly_reports.c.month).in_(keys))
        .order_by(monthly_reports.c.unit_code, monthly_reports.c.month)
        .with_for_update()
    )
    return {(r.unit_code, r.month): state_of(r) for r in rows}


async def save_reports(conn: AsyncConnection, states: list[ReportState]) -> None:
    if not states:
        return
    values = [
        {c.name: getattr(s, c.name) for c in _COLUMNS}
        for s in sorted(states, key=lambda s: (s.unit_code, s.month))
    ]
    stmt = pg_insert(monthly_reports).values(values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[monthly_reports.c.unit_code, monthly_reports.c.month],
            set_={
                **{c.name: stmt.excluded[c.name] for c in _COLUMNS if not c.primary_key},
                "updated_at": func.now(),
            },
        )
    )
