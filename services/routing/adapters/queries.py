"""Reads behind routing's answers (units, staff, policy versions, a case's decisions),
within the caller's jurisdiction where it applies; plain dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.routing.adapters.repository import (
    case_in_jurisdiction,
    staff_from_row,
    unit_from_row,
)
from services.routing.adapters.tables import assignments, policies, staff, units
from services.routing.domain.registry import OrgUnit
from services.routing.domain.staff import StaffMember
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


@dataclass(frozen=True)
class Decision:
    """One routing decision of a case, as stored, with its explanation."""

    assignment_id: str
    unit_code: str
    assignee_id: str | None
    rule: str
    explanation: dict[str, Any]
    active: bool
    assigned_at: datetime
    trigger: str
    supersedes: str | None
    co_handler_ids: list[str]
    ended_at: datetime | None
    ended_reason: str | None


@dataclass(frozen=True)
class PolicyVersion:
    version: int
    note: str | None
    created_at: datetime
    rules: list[dict[str, Any]]


_DECISION_COLUMNS = [assignments.c[name] for name in Decision.__dataclass_fields__]


async def all_units(conn: AsyncConnection) -> dict[str, OrgUnit]:
    """The whole tree by code (it is a public reference: no jurisdiction)."""
    return {r.code: unit_from_row(r) for r in await conn.execute(select(units))}


async def staff_visible_to(conn: AsyncConnection, principal: Principal) -> list[StaffMember]:
    """Staff whose home unit is under the caller's units, by id."""
    query = (
        select(staff)
        .where(jurisdiction(principal, unit=staff.c.unit_code))
        .order_by(staff.c.staff_id)
    )
    return [staff_from_row(r) for r in await conn.execute(query)]


async def policy_versions(conn: AsyncConnection) -> list[PolicyVersion]:
    """Newest first."""
    query = select(policies.c.version, policies.c.note, policies.c.created_at, policies.c.rules)
    rows = await conn.execute(query.order_by(policies.c.version.desc()))
    return [PolicyVersion(r.version, r.note, r.created_at, r.rules) for r in rows]


async def decisions_of_case(
    conn: AsyncConnection, case_id: str, principal: Principal
) -> list[Decision]:
    """The case's decisions, oldest first, if its current assignment is in
    ``principal``'s jurisdiction; none otherwise (the caller answers 404)."""
    query = (
        select(*_DECISION_COLUMNS)
        .where(assignments.c.case_id == case_id, case_in_jurisdiction(principal))
        .order_by(assignments.c.assigned_at)
    )
    return [Decision(**r._mapping) for r in await conn.execute(query)]
