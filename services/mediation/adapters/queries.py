"""Reads of mediation's case view, always within the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.case_work_access import not_refused
from services.mediation.adapters.tables import cases
from shared.auth.roles import HANDLERS
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


@dataclass(frozen=True)
class CaseView:
    case_id: str
    case_number: str | None
    kind: str | None
    category: str | None
    title: str | None
    status: str
    unit_code: str | None
    unit_name: str | None
    assignee_id: str | None
    assignee_name: str | None
    assignee_role: str | None
    submitted_at: datetime | None
    assigned_at: datetime | None
    updated_at: datetime | None


_COLUMNS = [cases.c[name] for name in CaseView.__dataclass_fields__]


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The cases of mediation's view ``principal`` may see: their jurisdiction, less the
    cases a party refused them on or they recused from. Every read of the view (the
    JSON API, the dashboard) uses this one rule."""
    scoped = jurisdiction(
        principal,
        unit=cases.c.unit_code,
        assignee=cases.c.assignee_id,
        reporter=cases.c.reporter_id,
    )
    if principal.role not in HANDLERS:
        return scoped  # only a handler can be refused or recuse
    # A person a party refused, or who recused, no longer sees the case (arts. 19, 23).
    return and_(scoped, not_refused(principal))


def _view(row: Any) -> CaseView:
    return CaseView(**row._mapping)


async def recent_cases(
    conn: AsyncConnection, principal: Principal, status: str | None, limit: int
) -> list[CaseView]:
    """Most recently submitted first."""
    query = (
        select(*_COLUMNS)
        .where(visible_to(principal))
        .order_by(cases.c.submitted_at.desc().nulls_last())
        .limit(limit)
    )
    if status is not None:
        query = query.where(cases.c.status == status)
    return [_view(row) for row in await conn.execute(query)]


async def case(conn: AsyncConnection, principal: Principal, case_id: str) -> CaseView | None:
    query = select(*_COLUMNS).where(cases.c.case_id == case_id, visible_to(principal))
    row = (await conn.execute(query)).first()
    return None if row is None else _view(row)
