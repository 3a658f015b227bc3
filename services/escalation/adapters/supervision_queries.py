"""Reads of extensions and supervisions for answers (within the caller's jurisdiction),
the deductions per unit and month, and the open-supervision gauge's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.extension_repository import ExtensionRow, extension_row
from services.escalation.adapters.screening_tables import registry_units
from services.escalation.adapters.supervision_repository import SupervisionRow, supervision_row
from services.escalation.adapters.supervision_tables import extensions, supervisions
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


async def extensions_of_case(
    conn: AsyncConnection, principal: Principal, case_id: str
) -> list[ExtensionRow]:
    rows = await conn.execute(
        select(extensions)
        .where(
            extensions.c.case_id == case_id,
            jurisdiction(principal, unit=extensions.c.unit_code, assignee=extensions.c.handler_id),
        )
        .order_by(extensions.c.requested_at, extensions.c.extension_id)
    )
    return [extension_row(r) for r in rows]


async def supervisions_of_case(
    conn: AsyncConnection, principal: Principal, case_id: str
) -> list[SupervisionRow]:
    rows = await conn.execute(
        select(supervisions)
        .where(
            supervisions.c.case_id == case_id,
            jurisdiction(
                principal, unit=supervisions.c.unit_code, assignee=supervisions.c.handler_id
            ),
        )
        .order_by(supervisions.c.issued_at, supervisions.c.supervision_id)
    )
    return [supervision_row(r) for r in rows]


@dataclass(frozen=True)
class LevelDeduction:
    level: str
    supervisions: int
    points: float


async def deductions(
    conn: AsyncConnection, principal: Principal, unit: str, start: datetime, end: datetime
) -> list[LevelDeduction]:
    """Supervisions issued in [start, end) to ``unit`` and the units under it, not
    cancelled, by level: how many and the points they cost."""
    rows = await conn.execute(
        select(
            supervisions.c.level,
            func.count().label("n"),
            func.coalesce(func.sum(supervisions.c.deduction), 0.0).label("points"),
        )
        .where(
            supervisions.c.status != "cancelled",
            supervisions.c.unit_code.startswith(unit, autoescape=True),
            supervisions.c.issued_at >= start,
            supervisions.c.issued_at < end,
            jurisdiction(principal, unit=supervisions.c.unit_code),
        )
        .group_by(supervisions.c.level)
    )
    return [LevelDeduction(r.level, int(r.n), float(r.points)) for r in rows]


@dataclass(frozen=True)
class OpenCount:
    street: str
    level: str
    supervisions: int


_STREET = func.coalesce(func.left(supervisions.c.unit_code, 9), "none")
_OPEN_BY_STREET = (
    select(_STREET.label("street"), supervisions.c.level, func.count().label("n"))
    .where(supervisions.c.status == "open")
    .group_by(_STREET, supervisions.c.level)
)
_STREETS = select(registry_units.c.code).where(registry_units.c.level == bindparam("level"))


async def open_supervisions_by_street(conn: AsyncConnection) -> tuple[list[str], list[OpenCount]]:
    """The streets escalation knows (registry view) and the open supervisions' counts."""
    streets = [r.code for r in await conn.execute(_STREETS, {"level": "street"})]
    counts = [OpenCount(r.street, r.level, int(r.n)) for r in await conn.execute(_OPEN_BY_STREET)]
    return streets, counts
