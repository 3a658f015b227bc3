"""Routing HTTP API: a case's routing decisions with their explanations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from services.routing.adapters.tables import assignments
from shared.http.problems import not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["routing"])


class AssignmentOut(BaseModel):
    assignment_id: str
    unit_code: str
    assignee_id: str | None
    rule: str
    explanation: dict[str, Any]
    active: bool
    assigned_at: datetime


@router.get("/cases/{case_id}/routing", response_model=list[AssignmentOut])
async def case_routing(case_id: str, request: Request) -> list[AssignmentOut]:
    """Every routing decision for the case, oldest first, each with its reasons."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.uow() as uow:
        rows = (
            await uow.connection.execute(
                select(assignments)
                .where(assignments.c.case_id == case_id)
                .order_by(assignments.c.assigned_at)
            )
        ).all()
    if not rows:
        raise not_found("case routing", "案件分派记录")
    return [AssignmentOut.model_validate(r, from_attributes=True) for r in rows]
