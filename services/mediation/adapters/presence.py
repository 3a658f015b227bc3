"""Who is viewing a case page now, for every mediation process: one row per open
page's live stream (``case_viewers``), refreshed by the stream's heartbeat and deleted
when it closes; every change NOTIFYs ``mediation_case_presence`` with the case id, so
each process's listener tells the other viewers' streams to look again. A row whose
stream died without closing (a killed process) is ignored once it is ``STALE_S`` old.
Viewers are named from the staff directory (routing's registry events), by id when it
does not know them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Column, DateTime, Index, Table, Text, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.staff_directory import staff_directory
from services.mediation.adapters.tables import TABLES

PRESENCE_CHANNEL = "mediation_case_presence"
STALE_S = 45.0

case_viewers = Table(
    "case_viewers",
    TABLES.metadata,
    Column("view_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("staff_id", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_case_viewers_case", "case_id"),
)


@dataclass(frozen=True)
class Viewer:
    view_id: str
    staff_id: str
    role: str
    name: str | None = None  # from the staff directory, when it knows them


_NOTIFY = text("SELECT pg_notify(:channel, :case_id)")


async def _notify(conn: AsyncConnection, case_id: str) -> None:
    await conn.execute(_NOTIFY, {"channel": PRESENCE_CHANNEL, "case_id": case_id})


async def join(conn: AsyncConnection, case_id: str, viewer: Viewer) -> None:
    await conn.execute(
        pg_insert(case_viewers)
        .values(view_id=viewer.view_id, case_id=case_id, staff_id=viewer.staff_id, role=viewer.role)
        .on_conflict_do_update(
            index_elements=[case_viewers.c.view_id], set_={"seen_at": func.now()}
        )
    )
    await _notify(conn, case_id)


async def still_here(conn: AsyncConnection, view_id: str) -> None:
    await conn.execute(
        update(case_viewers).where(case_viewers.c.view_id == view_id).values(seen_at=func.now())
    )


async def leave(conn: AsyncConnection, case_id: str, view_id: str) -> None:
    await conn.execute(delete(case_viewers).where(case_viewers.c.view_id == view_id))
    await _notify(conn, case_id)


async def viewers(conn: AsyncConnection, case_id: str) -> list[Viewer]:
    """The case's open pages, oldest first, without the stale ones."""
    fresh = func.now() - timedelta(seconds=STALE_S)
    rows = await conn.execute(
        select(
            case_viewers.c.view_id,
            case_viewers.c.staff_id,
            case_viewers.c.role,
            staff_directory.c.name,
        )
        .select_from(
            case_viewers.outerjoin(
                staff_directory, staff_directory.c.staff_id == case_viewers.c.staff_id
            )
        )
        .where(case_viewers.c.case_id == case_id, case_viewers.c.seen_at > fresh)
        .order_by(case_viewers.c.seen_at, case_viewers.c.view_id)
    )
    return [Viewer(r.view_id, r.staff_id, r.role, r.name) for r in rows]
