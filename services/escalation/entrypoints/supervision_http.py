"""Supervision (督办) over HTTP.

- ``POST /cases/{case_id}/supervisions``: a centre operator above the case's unit
  supervises it (normal, yellow_card, red_card), with instructions and an answer due in
  working days (the district's default for the level when not given); 201, ETag "1".
- ``POST /cases/{case_id}/supervisions/{id}/answer``: the handler answers (If-Match).
- ``POST /cases/{case_id}/supervisions/{id}/cancellation``: an operator above withdraws
  it (If-Match); its points no longer count.
- ``GET /cases/{case_id}/supervisions``; ``GET /supervision/deductions?unit=&period=``:
  the points supervisions cost a unit (and the units under it) in a month.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters import supervision_queries as queries
from services.escalation.domain import supervision as rules
from services.escalation.entrypoints.oversight_writes import (
    OVERSIGHT_RESPONSES,
    answered_with,
    now,
    runtime_of,
)
from services.escalation.entrypoints.problems import SUPERVISION_INVALID
from services.escalation.entrypoints.writes import idempotency, if_match
from services.escalation.service_layer import supervision as handlers
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.http.problems import FieldError, not_found

router = APIRouter(tags=["supervision"])
STAFF = Access(*roles.STAFF)
OPERATORS = Access(*roles.OPERATORS)
OVERSEERS = Access(*roles.OPERATORS, roles.ADMIN)


class SupervisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Any = Field(None, description="normal, yellow_card or red_card")
    instructions: Any = Field(None, description="what is to be done, in words")
    answer_due_days: Any = Field(
        None, description="working days to answer, 1–30 (default: the district's for the level)"
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Any = Field(None, description="the handler's answer, in words")


class CancellationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Any = Field(None, description="why it is withdrawn, in words")


class SupervisionOut(BaseModel):
    supervision_id: str
    case_id: str
    level: str
    origin: str
    issued_by: str | None
    issuing_unit_code: str | None
    unit_code: str | None
    handler_id: str | None
    stage: str | None
    clock_id: str | None
    deduction: float
    instructions: str
    answer_due_at: datetime
    issued_at: datetime
    status: str
    answered_by: str | None
    answer_text: str | None
    answered_at: datetime | None
    on_time: bool | None
    cancelled_by: str | None
    cancel_note: str | None
    cancelled_at: datetime | None
    overdue_flagged_at: datetime | None
    version: int


class LevelDeductionOut(BaseModel):
    level: str
    supervisions: int
    points: float


class DeductionsOut(BaseModel):
    unit: str
    period: str
    supervisions: int
    points: float
    by_level: list[LevelDeductionOut]


@router.post(
    "/cases/{case_id}/supervisions",
    status_code=201,
    response_model=SupervisionOut,
    responses=OVERSIGHT_RESPONSES,
)
async def issue_supervision(
    case_id: str, body: SupervisionIn, request: Request, principal: Principal = Depends(OPERATORS)
) -> JSONResponse:
    """Supervise a case of a unit below yours; the handler owes an answer by its due."""
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await handlers.issue(
                uow, case_id, body.model_dump(), principal, now(request), idem
            )

    return await answered_with(work, SUPERVISION_INVALID)


@router.post(
    "/cases/{case_id}/supervisions/{supervision_id}/answer",
    response_model=SupervisionOut,
    responses=OVERSIGHT_RESPONSES,
)
async def answer_supervision(
    case_id: str,
    supervision_id: str,
    body: AnswerIn,
    request: Request,
    principal: Principal = Depends(STAFF),
) -> JSONResponse:
    """The handler's answer (督办回复); one after the due time is taken, not on time."""
    version = if_match(request)
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await handlers.answer_supervision(
                uow,
                case_id,
                supervision_id,
                body.model_dump(),
                principal,
                now(request),
                if_match=version,
                idempotency=idem,
            )

    return await answered_with(work, SUPERVISION_INVALID)


@router.post(
    "/cases/{case_id}/supervisions/{supervision_id}/cancellation",
    response_model=SupervisionOut,
    responses=OVERSIGHT_RESPONSES,
)
async def cancel_supervision(
    case_id: str,
    supervision_id: str,
    body: CancellationIn,
    request: Request,
    principal: Principal = Depends(OPERATORS),
) -> JSONResponse:
    """Withdraw a supervision (撤销督办): no overdue flag, no points."""
    version = if_match(request)
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await handlers.cancel_supervision(
                uow,
                case_id,
                supervision_id,
                body.model_dump(),
                principal,
                now(request),
                if_match=version,
                idempotency=idem,
            )

    return await answered_with(work, SUPERVISION_INVALID)


@router.get("/cases/{case_id}/supervisions", response_model=list[SupervisionOut])
async def case_supervisions(
    case_id: str, request: Request, principal: Principal = Depends(STAFF)
) -> list[SupervisionOut]:
    async with runtime_of(request).uow() as uow:
        rows = await queries.supervisions_of_case(uow.connection, principal, case_id)
    return [SupervisionOut.model_validate(r, from_attributes=True) for r in rows]


@router.get(
    "/supervision/deductions",
    response_model=DeductionsOut,
    responses={404: {"description": "unit outside your jurisdiction"}, 422: {}},
)
async def deductions(
    request: Request,
    unit: str = Query(..., description="a unit code; its units below count too"),
    period: str = Query(..., description="a month, YYYY-MM (Beijing time)"),
    principal: Principal = Depends(OVERSEERS),
) -> DeductionsOut:
    """Points supervisions issued in the month cost the unit and the units under it,
    by level; cancelled ones do not count."""
    problems: list[FieldError] = []
    if not unit.isdigit():
        problems.append(
            FieldError("#/query/unit", "unit", "A unit code (digits).", "应为单位代码（数字）。")
        )
    try:
        start, end = rules.period_bounds(period)
    except rules.SupervisionInvalid as exc:
        problems += [FieldError("#/query/period", c, en, zh) for _, c, en, zh in exc.problems]
    if problems:
        raise SUPERVISION_INVALID(
            "Some parameters are not valid; see errors.",
            "部分参数有误，详见 errors。",
            errors=problems,
        )
    if not covers_unit(principal, unit):
        raise not_found("unit", "单位")
    async with runtime_of(request).uow() as uow:
        rows = await queries.deductions(uow.connection, principal, unit, start, end)
    by = {r.level: r for r in rows}
    levels = [
        LevelDeductionOut(
            level=level,
            supervisions=by[level].supervisions if level in by else 0,
            points=by[level].points if level in by else 0.0,
        )
        for level in rules.LEVELS
    ]
    return DeductionsOut(
        unit=unit,
        period=period,
        supervisions=sum(x.supervisions for x in levels),
        points=round(sum(x.points for x in levels), 2),
        by_level=levels,
    )
