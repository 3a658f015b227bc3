"""Reads behind mediation's business gauges: the projection's counts by unit and status,
rolled up to streets."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.tables import case_counts

# A unit code's first 9 digits are its street or township (乡镇/街道); a case assigned
# at the district keeps the district's 6-digit code; before assignment there is none ('').
_STREET = func.coalesce(func.nullif(func.left(case_counts.c.unit_code, 9), ""), "none").label(
    "street"
)
_BY_STREET_AND_STATUS = (
    select(_STREET, case_counts.c.status, func.sum(case_counts.c.cases).label("cases"))
    .where(case_counts.c.cases > 0)
    .group_by(_STREET, case_counts.c.status)
)


@dataclass(frozen=True)
class CaseCount:
    street: str
    status: str
    cases: int


async def cases_by_street_and_status(conn: AsyncConnection) -> list[CaseCount]:
    rows = await conn.execute(_BY_STREET_AND_STATUS)
    return [CaseCount(row.street, row.status, int(row.cases)) for row in rows]
