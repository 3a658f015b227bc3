"""Reads of meetings for answers: only meetings of units within the caller's
jurisdiction (a meeting elsewhere is simply not found)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.meeting_repository import (
    DecisionRow,
    ItemRow,
    MeetingRepository,
    MeetingRow,
)
from services.escalation.adapters.meeting_tables import meetings
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal

_COLUMNS = [meetings.c[name] for name in MeetingRow.__dataclass_fields__]


@dataclass(frozen=True)
class MeetingDetail:
    meeting: MeetingRow
    items: list[ItemRow]
    decisions: list[DecisionRow]


async def list_meetings(
    conn: AsyncConnection, principal: Principal, unit_code: str | None, period: str | None
) -> list[MeetingRow]:
    """Newest period first; ``unit_code`` is the unit and everything under it."""
    query = select(*_COLUMNS).where(jurisdiction(principal, unit=meetings.c.unit_code))
    if unit_code:
        query = query.where(meetings.c.unit_code.startswith(unit_code, autoescape=True))
    if period:
        query = query.where(meetings.c.period == period)
    query = query.order_by(meetings.c.period.desc(), meetings.c.unit_code).limit(500)
    return [MeetingRow(**row._mapping) for row in await conn.execute(query)]


async def meeting_detail(
    conn: AsyncConnection, principal: Principal, meeting_id: str
) -> MeetingDetail | None:
    row = (
        await conn.execute(
            select(*_COLUMNS).where(
                meetings.c.meeting_id == meeting_id,
                jurisdiction(principal, unit=meetings.c.unit_code),
            )
        )
    ).first()
    if row is None:
        return None
    repo = MeetingRepository(conn)
    return MeetingDetail(
        MeetingRow(**row._mapping), await repo.items(meeting_id), await repo.decisions(meeting_id)
    )
