"""Mediation handlers: fold case events into the mediation service's own case view."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.mediation.adapters.tables import cases
from services.mediation.domain.case_status import ASSIGNED, SUBMITTED, advanced
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


async def _current_status(uow: UnitOfWork, case_id: str) -> str | None:
    row = (
        await uow.connection.execute(
            select(cases.c.status).where(cases.c.case_id == case_id).with_for_update()
        )
    ).first()
    return row.status if row else None


async def on_case_submitted(uow: UnitOfWork, event: CloudEvent) -> None:
    case = CaseSubmittedV1.model_validate(event.data)
    status = advanced(await _current_status(uow, case.case_id), SUBMITTED)
    values = {
        "case_number": case.case_number,
        "kind": case.kind,
        "category": case.category,
        "title": case.title,
        "submitted_at": case.submitted_at,
        "status": status,
        "updated_at": event.time,
    }
    stmt = insert(cases).values(case_id=case.case_id, **values)
    await uow.connection.execute(
        stmt.on_conflict_do_update(index_elements=[cases.c.case_id], set_=values)
    )


async def on_case_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
    case = CaseAssignedV1.model_validate(event.data)
    status = advanced(await _current_status(uow, case.case_id), ASSIGNED)
    values = {
        "unit_code": case.unit_code,
        "unit_name": case.unit_name,
        "assignee_id": case.assignee_id,
        "assignee_name": case.assignee_name,
        "assignee_role": case.assignee_role,
        "assigned_at": case.assigned_at,
        "status": status,
        "updated_at": event.time,
    }
    stmt = insert(cases).values(case_id=case.case_id, **values)
    await uow.connection.execute(
        stmt.on_conflict_do_update(index_elements=[cases.c.case_id], set_=values)
    )
