"""Mediation HTTP API: the case view the dashboard reads."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from services.mediation.adapters.tables import cases
from services.mediation.domain.case_status import LABELS_ZH
from shared.http.problems import not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["cases"])


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


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(case_id: str, request: Request) -> CaseOut:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.uow() as uow:
        row = (
            await uow.connection.execute(select(cases).where(cases.c.case_id == case_id))
        ).first()
    if row is None:
        raise not_found("case", "案件")
    data = dict(row._mapping)
    data["status_label"] = LABELS_ZH.get(row.status, row.status)
    return CaseOut.model_validate(data)
