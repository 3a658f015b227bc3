"""Extensions (延期) and the handler's pause of the mediation clock, over HTTP.

- ``POST /cases/{case_id}/extensions``: the case's handler asks for working days on a
  running stage (201, ETag "1").
- ``POST /cases/{case_id}/extensions/{id}/decision``: an operator above the clock's unit
  approves (at most the days asked) or refuses, with If-Match.
- ``GET /cases/{case_id}/extensions``: the case's requests and decisions.
- ``POST /cases/{case_id}/clocks/{stage}/pause`` and ``…/resume``: the handler stops the
  mediation limit while waiting for a party's consent (MoJ 2002 art. 33); the answer
  shows the time left.
Every write takes an Idempotency-Key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters import supervision_queries as queries
from services.escalation.entrypoints.oversight_writes import (
    OVERSIGHT_RESPONSES,
    answered_with,
    now,
    runtime_of,
)
from services.escalation.entrypoints.problems import CLOCK_PAUSE_INVALID, EXTENSION_INVALID
from services.escalation.entrypoints.writes import idempotency, if_match
from services.escalation.service_layer import clock_pauses
from services.escalation.service_layer import extensions as handlers
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal

router = APIRouter(tags=["extensions"])
STAFF = Access(*roles.STAFF)


class ExtensionIn(BaseModel):
    """Checked by the rules, field by field."""

    model_config = ConfigDict(extra="forbid")

    stage: Any = Field(None, description="the running stage: accept, handle, verify, mediate…")
    days: Any = Field(None, description="whole working days, 1–99")
    reason: Any = Field(
        None,
        description="party_unavailable, complex_facts, expert_assessment, other_authority, other",
    )
    reason_text: Any = Field(None, description="why, in words (up to 1000 characters)")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Any = Field(None, description="approved or refused")
    days: Any = Field(None, description="working days granted, 1 to the days asked (default)")
    note: Any = Field(None, description="words; required when refused")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Any = Field("consent_pending", description="consent_pending")
    note: Any = Field(None, description="words (up to 1000 characters)")


class ExtensionOut(BaseModel):
    extension_id: str
    case_id: str
    clock_id: str
    stage: str
    unit_code: str | None
    handler_id: str | None
    requested_by: str
    requested_days: int
    reason: str
    reason_text: str
    requested_at: datetime
    current_due_at: datetime
    status: str
    granted_days: int | None
    decided_by: str | None
    decision_note: str | None
    decided_at: datetime | None
    due_at: datetime | None
    version: int


class PausedClockOut(BaseModel):
    clock_id: str
    status: str
    due_at: datetime
    remaining_s: float | None
    remaining_working_days: int | None


@router.post(
    "/cases/{case_id}/extensions",
    status_code=201,
    response_model=ExtensionOut,
    responses=OVERSIGHT_RESPONSES,
)
async def request_extension(
    case_id: str, body: ExtensionIn, request: Request, principal: Principal = Depends(STAFF)
) -> JSONResponse:
    """The case's handler asks for more working days; the clock keeps running meanwhile."""
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await handlers.request_extension(
                uow, case_id, body.model_dump(), principal, now(request), idem
            )

    return await answered_with(work, EXTENSION_INVALID)


@router.post(
    "/cases/{case_id}/extensions/{extension_id}/decision",
    response_model=ExtensionOut,
    responses=OVERSIGHT_RESPONSES,
)
async def decide_extension(
    case_id: str,
    extension_id: str,
    body: DecisionIn,
    request: Request,
    principal: Principal = Depends(Access(*roles.OPERATORS)),
) -> JSONResponse:
    """Approve (the clock's due time, warning and cards move by the days granted) or
    refuse; If-Match names the request's version."""
    version = if_match(request)
    idem = await idempotency(request, principal)
    raw = body.model_dump(exclude_none=True)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await handlers.decide_extension(
                uow,
                case_id,
                extension_id,
                raw,
                principal,
                now(request),
                if_match=version,
                idempotency=idem,
            )

    return await answered_with(work, EXTENSION_INVALID)


@router.get("/cases/{case_id}/extensions", response_model=list[ExtensionOut])
async def case_extensions(
    case_id: str, request: Request, principal: Principal = Depends(STAFF)
) -> list[ExtensionOut]:
    async with runtime_of(request).uow() as uow:
        rows = await queries.extensions_of_case(uow.connection, principal, case_id)
    return [ExtensionOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/cases/{case_id}/clocks/{stage}/pause",
    response_model=list[PausedClockOut],
    responses=OVERSIGHT_RESPONSES,
)
async def pause_clock(
    case_id: str,
    stage: str,
    body: PauseIn,
    request: Request,
    principal: Principal = Depends(STAFF),
) -> JSONResponse:
    """The handler stops the mediation limit while a party's consent is awaited; the
    answer shows what was left at that moment."""
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await clock_pauses.pause(
                uow, case_id, stage, body.model_dump(), principal, now(request), idem
            )

    return await answered_with(work, CLOCK_PAUSE_INVALID)


@router.post(
    "/cases/{case_id}/clocks/{stage}/resume",
    response_model=list[PausedClockOut],
    responses=OVERSIGHT_RESPONSES,
)
async def resume_clock(
    case_id: str, stage: str, request: Request, principal: Principal = Depends(STAFF)
) -> JSONResponse:
    """The clock runs again; the time paused does not count."""
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with runtime_of(request).uow() as uow:
            return await clock_pauses.resume(uow, case_id, stage, principal, now(request), idem)

    return await answered_with(work, CLOCK_PAUSE_INVALID)
