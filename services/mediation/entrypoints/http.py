"""Mediation HTTP API: the case view as JSON (the web app is ``entrypoints.web``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.mediation.adapters import queries
from services.mediation.adapters.queries import CaseView
from services.mediation.domain.case_status import LABELS_ZH
from services.mediation.state import MediationRuntime
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import not_found

router = APIRouter(tags=["cases"])
READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))


class CaseOut(BaseModel):
    case_id: str
    case_number: str | None
    kind: str | None
    category: str | None
    title: str | None
    status: str
    status_label: str
    unit_code: str | None
    unit_name: str | None
    assignee_id: str | None
    assignee_name: str | None
    assignee_role: str | None
    submitted_at: datetime | None
    assigned_at: datetime | None


def _case_out(view: CaseView) -> CaseOut:
    return CaseOut(**asdict(view), status_label=LABELS_ZH.get(view.status, view.status))


@router.get("/cases", response_model=list[CaseOut])
async def list_cases(
    request: Request,
    status: Literal["submitted", "assigned"] | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    principal: Principal = Depends(READERS),
) -> list[CaseOut]:
    """Most recently submitted cases in the caller's jurisdiction first."""
    runtime: MediationRuntime = request.app.state.runtime
    async with runtime.uow() as uow:
        views = await queries.recent_cases(uow.connection, principal, status, limit)
    return [_case_out(v) for v in views]


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(
    case_id: str, request: Request, principal: Principal = Depends(READERS)
) -> CaseOut:
    """One case; outside the caller's jurisdiction it is not found (404)."""
    runtime: MediationRuntime = request.app.state.runtime
    async with runtime.uow() as uow:
        view = await queries.case(uow.connection, principal, case_id)
    if view is None:
        raise not_found("case", "案件")
    return _case_out(view)
