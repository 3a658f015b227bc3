"""Situation reports over HTTP: one route per step of handling (受理, 办理, 反馈, 验证,
回退, 转办, 结案) under ``/cases/{case_id}/handling/``.

Same rules of the road as the disputes procedure (``case_work``): an
``Idempotency-Key`` on every write, ``If-Match`` once the file exists, refusals as
problems naming their ``rule``. The rules are in ``domain/situation_report.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.mediation.domain import report_commands as rc
from services.mediation.domain.report_file import ReportResult
from services.mediation.entrypoints.case_work import STEP_RESPONSES, StepOut, take
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal

router = APIRouter(tags=["situation reports"])

# Grid officers handle and verify; centre operators over the unit act, verify and close.
REPORT_WORKERS = Access(roles.GRID_OFFICER, *roles.OPERATORS)

Text = Annotated[str, Field(min_length=1, max_length=20000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AcceptReportIn(Body):
    note: str | None = Field(default=None, max_length=2000)

    def command(self) -> rc.AcceptReport:
        return rc.AcceptReport(self.note)


class ActionIn(Body):
    description: Text
    at: datetime
    attachments: list[Sha256] = Field(default_factory=list, max_length=20)

    def command(self) -> rc.RecordAction:
        return rc.RecordAction(self.description, self.at, tuple(self.attachments))


class FeedbackIn(Body):
    result: ReportResult
    content: Text

    def command(self) -> rc.GiveFeedback:
        return rc.GiveFeedback(self.result, self.content)


class VerifyIn(Body):
    on_site: bool
    note: str | None = Field(default=None, max_length=2000)

    def command(self) -> rc.Verify:
        return rc.Verify(self.on_site, self.note)


class SendBackIn(Body):
    reason: Text
    on_site: bool = True

    def command(self) -> rc.SendBack:
        return rc.SendBack(self.reason, self.on_site)


class HandOverIn(Body):
    reason: Text
    to_unit_code: str | None = Field(default=None, pattern=r"^[0-9]{6,15}$")

    def command(self) -> rc.HandOver:
        return rc.HandOver(self.reason, self.to_unit_code)


class CloseReportIn(Body):
    def command(self) -> rc.CloseReport:
        return rc.CloseReport()


@router.post(
    "/cases/{case_id}/handling/acceptance",
    status_code=201,
    response_model=StepOut,
    responses=STEP_RESPONSES,
)
async def accept_report(
    case_id: str,
    body: AcceptReportIn,
    request: Request,
    principal: Principal = Depends(REPORT_WORKERS),
) -> JSONResponse:
    """受理: the handler takes the report on; the handle clock starts."""
    return await take(request, case_id, principal, body.command(), 201)


@router.post("/cases/{case_id}/handling/actions", response_model=StepOut, responses=STEP_RESPONSES)
async def record_action(
    case_id: str, body: ActionIn, request: Request, principal: Principal = Depends(REPORT_WORKERS)
) -> JSONResponse:
    """办理: an action, with photos uploaded first to intake's ``POST /attachments``."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/handling/feedback", response_model=StepOut, responses=STEP_RESPONSES)
async def give_feedback(
    case_id: str,
    body: FeedbackIn,
    request: Request,
    principal: Principal = Depends(REPORT_WORKERS),
) -> JSONResponse:
    """反馈 to the reporter: resolved, or not resolvable and why; verification is due."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/handling/verification", response_model=StepOut, responses=STEP_RESPONSES
)
async def verify(
    case_id: str, body: VerifyIn, request: Request, principal: Principal = Depends(REPORT_WORKERS)
) -> JSONResponse:
    """验证: the reporting grid officer or a supervisor confirms (never whoever gave the
    feedback)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/handling/return", response_model=StepOut, responses=STEP_RESPONSES)
async def send_back(
    case_id: str,
    body: SendBackIn,
    request: Request,
    principal: Principal = Depends(REPORT_WORKERS),
) -> JSONResponse:
    """回退: verification found it not dealt with; back to the handler with the reason."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/handling/handover", response_model=StepOut, responses=STEP_RESPONSES)
async def hand_over(
    case_id: str,
    body: HandOverIn,
    request: Request,
    principal: Principal = Depends(REPORT_WORKERS),
) -> JSONResponse:
    """转办: not this unit's responsibility; routing assigns another handler."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/handling/closing", response_model=StepOut, responses=STEP_RESPONSES)
async def close_report(
    case_id: str,
    body: CloseReportIn,
    request: Request,
    principal: Principal = Depends(REPORT_WORKERS),
) -> JSONResponse:
    """结案 after verification."""
    return await take(request, case_id, principal, body.command())


__all__: list[Literal["router"]] = ["router"]
