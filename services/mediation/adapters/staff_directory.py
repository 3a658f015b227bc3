"""Who serves which unit, as mediation last heard from routing's registry events: the
people a case may be handed to within its unit (委员会内转交). Reads and writes of the
one table; the names are staff names, not personal data of the parties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, Table, Text, delete, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.tables import TABLES

staff_directory = Table(
    "staff_directory",
    TABLES.metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("unit_codes", ARRAY(Text), nullable=False),  # home unit and the units covered
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_staff_directory_units", "unit_codes", postgresql_using="gin"),
)


@dataclass(frozen=True)
class Member:
    staff_id: str
    name: str
    role: str
    unit_code: str


async def upsert(
    conn: AsyncConnection,
    *,
    staff_id: str,
    name: str,
    role: str,
    unit_codes: list[str],
    active: bool,
    changed_at: datetime,
) -> None:
    """Newer facts win: a replayed older event does not undo a later change."""
    values = {
        "staff_id": staff_id,
        "name": name,
        "role": role,
        "unit_codes": unit_codes,
        "active": active,
        "changed_at": changed_at,
    }
    statement = pg_insert(staff_directory).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[staff_directory.c.staff_id],
            set_={k: statement.excluded[k] for k in values if k != "staff_id"},
            where=staff_directory.c.changed_at <= statement.excluded.changed_at,
        )
    )


async def remove(conn: AsyncConnection, staff_id: str, changed_at: datetime) -> None:
    await conn.execute(
        delete(staff_directory).where(
            staff_directory.c.staff_id == staff_id, staff_directory.c.changed_at <= changed_at
        )
    )


async def members_of(conn: AsyncConnection, unit_codes: list[str]) -> list[Member]:
    """Active people serving any of ``unit_codes``, by name."""
    if not unit_codes:
        return []
    rows = await conn.execute(
        select(staff_directory)
        .where(staff_directory.c.unit_codes.overlap(unit_codes), staff_directory.c.active)
        .order_by(staff_directory.c.name, staff_directory.c.staff_id)
    )
    return [
        Member(r.staff_id, r.name, r.role, next(u for u in r.unit_codes if u in unit_codes))
        for r in rows
    ]
