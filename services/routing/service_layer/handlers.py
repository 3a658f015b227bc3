"""Routing handlers: a submitted case in, an assignment and ``case.assigned`` out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from services.routing.adapters.tables import assignments, staff, units
from services.routing.domain.assignment import Decision, StaffMember, choose_lowest_load
from services.routing.domain.spatial import GridIndex
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import Candidate, CaseAssignedV1

# Who handles what, per level, until the routing-policy issue makes this data.
ROLE_AT_LEVEL = {
    "grid": "grid_officer",
    "community": "grid_officer",
    "street": "centre_operator",
    "district": "centre_operator",
}


class Registry:
    """The routing service's in-memory view of the tree: the spatial index and parents."""

    def __init__(self, rows: list[Any]):
        self.units = {r.code: r for r in rows}
        self.index = GridIndex(
            (r.code, r.boundary) for r in rows if r.level == "grid" and r.boundary
        )
        roots = [r.code for r in rows if r.level == "district"]
        self.backstop = roots[0] if roots else None

    def chain(self, code: str) -> list[str]:
        out = []
        current: str | None = code
        while current is not None and current in self.units:
            out.append(current)
            current = self.units[current].parent_code
        return out


async def load_registry(uow: UnitOfWork) -> Registry:
    rows = (await uow.connection.execute(select(units))).all()
    return Registry(list(rows))


async def _staff_of(uow: UnitOfWork, unit_code: str) -> list[StaffMember]:
    rows = (await uow.connection.execute(select(staff).where(staff.c.unit_code == unit_code))).all()
    return [
        StaffMember(r.staff_id, r.name, r.role, r.unit_code, r.open_cases, r.capacity, r.on_duty)
        for r in rows
    ]


async def assign_submitted_case(uow: UnitOfWork, event: CloudEvent, registry: Registry) -> None:
    case = CaseSubmittedV1.model_validate(event.data)
    start: str | None = None
    rule = "point-in-grid"
    if case.location is not None:
        start = registry.index.grid_at(case.location.lng, case.location.lat)
    if start is None and case.grid_code and case.grid_code in registry.units:
        start, rule = case.grid_code, "grid-code"
    if start is None:
        start, rule = registry.backstop, "locality-backstop 属地兜底"
    if start is None:
        raise RuntimeError("the organisation registry is empty: seed it before routing cases")

    decision: Decision | None = None
    tried: list[str] = []
    for code in registry.chain(start):
        level = registry.units[code].level
        decision = choose_lowest_load(code, rule, ROLE_AT_LEVEL[level], await _staff_of(uow, code))
        if decision.chosen is not None:
            break
        tried.append(code)
    assert decision is not None
    if tried and decision.chosen is not None:
        decision.rule = f"{rule}; fallback-upward from {tried[0]}"

    unit = registry.units[decision.unit_code]
    now = datetime.now(UTC)
    assignment_id = str(uuid.uuid4())
    candidates = [
        Candidate(
            staff_id=v.staff.staff_id,
            name=v.staff.name,
            role=v.staff.role,
            chosen=v.chosen,
            reason=v.reason,
        )
        for v in decision.verdicts
    ]
    await uow.connection.execute(
        insert(assignments).values(
            assignment_id=assignment_id,
            case_id=case.case_id,
            unit_code=unit.code,
            assignee_id=decision.chosen.staff_id if decision.chosen else None,
            rule=decision.rule,
            explanation={
                "text": decision.explanation(),
                "candidates": [c.model_dump() for c in candidates],
            },
            assigned_at=now,
        )
    )
    if decision.chosen is not None:
        await uow.connection.execute(
            update(staff)
            .where(staff.c.staff_id == decision.chosen.staff_id)
            .values(open_cases=staff.c.open_cases + 1)
        )
    uow.publish(
        topics.CASE,
        case.case_id,
        CaseAssignedV1(
            case_id=case.case_id,
            assignment_id=assignment_id,
            unit_code=unit.code,
            unit_level=unit.level,
            unit_name=unit.name,
            assignee_id=decision.chosen.staff_id if decision.chosen else None,
            assignee_name=decision.chosen.name if decision.chosen else None,
            assignee_role=decision.chosen.role if decision.chosen else None,
            rule=decision.rule,
            explanation=decision.explanation(),
            candidates=candidates,
            assigned_at=now,
        ),
    )
