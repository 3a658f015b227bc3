"""Intake HTTP API. Routes only translate HTTP to commands and call handlers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.intake.adapters.tables import submissions
from services.intake.domain.commands import Point, SubmitReport
from services.intake.service_layer import handlers
from shared.db.unit_of_work import EventContext
from shared.http.problems import not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["reports"])


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    crs: Literal["WGS84"] = "WGS84"


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["report", "dispute"] = "report"
    category: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    location: LocationIn | None = None
    grid_code: str | None = Field(default=None, pattern=r"^\d{15}$")
    address: str | None = Field(default=None, max_length=300)


class ReportAccepted(BaseModel):
    case_id: str
    case_number: str
    submitted_at: datetime
    status: str = "submitted"


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReportAccepted)
async def submit_report(body: ReportIn, request: Request) -> ReportAccepted:
    """Accept a situation report. A 201 means the report and its event are committed."""
    runtime = _runtime(request)
    point = Point(body.location.lng, body.location.lat) if body.location else None
    cmd = SubmitReport(
        kind=body.kind,
        category=body.category,
        title=body.title,
        description=body.description,
        source="上报",
        location=point,
        original_location=point,
        crs=body.location.crs if body.location else None,
        grid_code=body.grid_code,
        address=body.address,
    )
    context = EventContext(correlation_id=request.state.correlation_id)
    async with runtime.uow(context) as uow:
        accepted = await handlers.submit_report(uow, cmd)
    return ReportAccepted(
        case_id=accepted.case_id,
        case_number=accepted.case_number,
        submitted_at=accepted.submitted_at,
    )


@router.get("/reports/{case_id}", response_model=ReportAccepted)
async def get_report(case_id: str, request: Request) -> ReportAccepted:
    runtime = _runtime(request)
    async with runtime.uow() as uow:
        row = (
            await uow.connection.execute(
                select(submissions).where(submissions.c.case_id == case_id)
            )
        ).first()
    if row is None:
        raise not_found("report", "报告")
    return ReportAccepted(
        case_id=row.case_id,
        case_number=row.case_number,
        submitted_at=row.submitted_at,
        status=row.status,
    )
