"""Escalation handlers: remember each case's category; open the accept clock on assignment."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.escalation.adapters.tables import case_categories, clocks
from services.escalation.domain.calendar import WorkingCalendar
from services.escalation.domain.clocks import StageLimit, plan_clock
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


async def on_case_submitted(uow: UnitOfWork, event: CloudEvent) -> None:
    case = CaseSubmittedV1.model_validate(event.data)
    await uow.connection.execute(
        insert(case_categories)
        .values(case_id=case.case_id, category=case.category)
        .on_conflict_do_nothing()
    )


async def open_accept_clock(
    uow: UnitOfWork,
    event: CloudEvent,
    calendar: WorkingCalendar,
    limits: dict[str, dict[str, StageLimit]],
) -> None:
    """Start the 受理 clock when a case reaches someone; the first assignment starts it."""
    case = CaseAssignedV1.model_validate(event.data)
    category = (
        await uow.connection.execute(
            select(case_categories.c.category).where(case_categories.c.case_id == case.case_id)
        )
    ).scalar_one_or_none() or "default"
    plan = plan_clock(calendar, limits, category, "accept", case.assigned_at)
    await uow.connection.execute(
        insert(clocks)
        .values(
            clock_id=str(uuid.uuid4()),
            case_id=case.case_id,
            stage=plan.stage,
            category=category,
            unit_code=case.unit_code,
            status="running",
            started_at=plan.started_at,
            due_at=plan.due_at,
            yellow_at=plan.yellow_at,
            red_at=plan.red_at,
        )
        .on_conflict_do_nothing(constraint="uq_clocks_case_stage")
    )
