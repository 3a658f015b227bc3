"""Escalation HTTP API: a case's time-limit clocks."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from services.escalation.adapters import queries
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["time limits"])
READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))


class ClockOut(BaseModel):
    clock_id: str
    stage: str
    occurrence: str
    category: str
    risk: str
    unit_code: str | None
    unit_level: str | None
    handler_id: str | None
    status: str
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None
    yellow_at: datetime
    red_at: datetime
    counting: str
    limit_key: str | None
    limit_version: int | None
    paused_at: datetime | None
    remaining_s: float | None
    remaining_working_days: int | None
    stopped_at: datetime | None
    warned_at: datetime | None
    yellow_fired_at: datetime | None
    red_fired_at: datetime | None


@router.get("/cases/{case_id}/clocks", response_model=list[ClockOut])
async def case_clocks(
    case_id: str, request: Request, principal: Principal = Depends(READERS)
) -> list[ClockOut]:
    """The case's clocks: stage, status (running, paused, stopped), deadlines, what is
    left while paused, and when the warning and cards fired. Mediators, police and
    legal advisers see the clocks of their committee's unit and the ones they handle."""
    runtime: ServiceRuntime[None] = request.app.state.runtime
    async with runtime.uow() as uow:
        views = await queries.clocks_of_case(uow.connection, principal, case_id)
    if not views:
        raise not_found("clock for this case", "该案件的时限")
    return [ClockOut.model_validate(v, from_attributes=True) for v in views]
