"""Mediation HTTP API: the case view and the dashboard that reads it."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select

from services.mediation.adapters.tables import cases
from services.mediation.domain.case_status import LABELS_ZH
from shared.auth import roles
from shared.auth.policy import PUBLIC, Access
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal
from shared.http.problems import not_found
from shared.http.security_headers import content_security_policy
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["cases"])
STATIC = Path(__file__).parent / "static"
DASHBOARD = STATIC / "dashboard.html"
ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))


def _visible(principal: Principal) -> Any:
    return jurisdiction(principal, unit=cases.c.unit_code, assignee=cases.c.assignee_id)


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


def _case_out(row: Any) -> CaseOut:
    data = dict(row._mapping)
    data["status_label"] = LABELS_ZH.get(row.status, row.status)
    return CaseOut.model_validate(data)


@router.get(
    "/", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(PUBLIC)]
)
async def dashboard(request: Request) -> HTMLResponse:
    """The case dashboard (Chinese first); the page signs in at routing's ``/auth/login``
    and then reads ``GET /cases`` with the token. Its script and styles are files
    (``/assets/…``), so its CSP allows no inline script."""
    settings = request.app.state.runtime.settings
    routing = f"http://{settings.host}:{settings.routing_port}"
    page = DASHBOARD.read_text(encoding="utf-8").replace("{{ROUTING_URL}}", html.escape(routing))
    return HTMLResponse(
        page, headers={"Content-Security-Policy": content_security_policy(connect=[routing])}
    )


@router.get("/assets/{name}", include_in_schema=False, dependencies=[Depends(PUBLIC)])
async def dashboard_asset(name: str) -> FileResponse:
    """The dashboard's script and styles."""
    if name not in ASSETS:
        raise not_found("file", "文件")
    return FileResponse(STATIC / name, media_type=ASSETS[name])


@router.get("/cases", response_model=list[CaseOut])
async def list_cases(
    request: Request,
    status: Literal["submitted", "assigned"] | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    principal: Principal = Depends(READERS),
) -> list[CaseOut]:
    """Most recently submitted cases in the caller's jurisdiction first."""
    runtime: ServiceRuntime = request.app.state.runtime
    query = (
        select(cases)
        .where(_visible(principal))
        .order_by(cases.c.submitted_at.desc().nulls_last())
        .limit(limit)
    )
    if status is not None:
        query = query.where(cases.c.status == status)
    async with runtime.uow() as uow:
        rows = (await uow.connection.execute(query)).all()
    return [_case_out(r) for r in rows]


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(
    case_id: str, request: Request, principal: Principal = Depends(READERS)
) -> CaseOut:
    """One case; outside the caller's jurisdiction it is not found (404)."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.uow() as uow:
        row = (
            await uow.connection.execute(
                select(cases).where(cases.c.case_id == case_id, _visible(principal))
            )
        ).first()
    if row is None:
        raise not_found("case", "案件")
    return _case_out(row)
