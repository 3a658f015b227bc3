"""Reads for the reports page: the monthly reports mediation heard of, for the units in
the caller's jurisdiction (``shared.auth.scoping`` in the WHERE clause)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.report_repository import state_of
from services.mediation.adapters.report_tables import monthly_reports
from services.mediation.domain.report_states import ReportState
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


async def reports_of_month(
    conn: AsyncConnection, principal: Principal, month: str
) -> dict[str, ReportState]:
    """Every unit's report of ``month`` the caller may see, by unit code."""
    rows = await conn.execute(
        select(monthly_reports).where(
            monthly_reports.c.month == month,
            jurisdiction(principal, unit=monthly_reports.c.unit_code),
        )
    )
    return {r.unit_code: state_of(r) for r in rows}


async def latest_month(conn: AsyncConnection, principal: Principal) -> str | None:
    """The newest month any report in the caller's view was heard of."""
    value = await conn.scalar(
        select(func.max(monthly_reports.c.month)).where(
            jurisdiction(principal, unit=monthly_reports.c.unit_code)
        )
    )
    return str(value) if value else None
