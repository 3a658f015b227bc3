"""The working calendar over HTTP: every staff member reads it; district operators
import a year (``PUT /calendar/{year}``, the JSON of a yearly file), which moves every
open working-day deadline it changes in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters import queries
from services.escalation.entrypoints.problems import CALENDAR_INVALID
from services.escalation.entrypoints.writes import (
    WRITE_RESPONSES,
    answered,
    idempotency,
    if_match,
)
from services.escalation.service_layer import calendar as handlers
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import FieldError, not_found
from shared.runtime import ServiceRuntime
from shared.working_calendar import CalendarInvalid, read_year

router = APIRouter(tags=["working calendar"])
READERS = Access(*roles.STAFF)
EDITORS = Access(roles.DISTRICT_OPERATOR, roles.ADMIN)


class YearIn(BaseModel):
    """A year's schedule as the yearly files have it; dates are checked field by field."""

    model_config = ConfigDict(extra="forbid")

    year: Any = None
    source: Any = ""
    provisional: Any = False
    holidays: Any = Field(default_factory=list)
    makeup_workdays: Any = Field(default_factory=list)


class YearOut(BaseModel):
    year: int
    source: str
    provisional: bool
    holidays: list[str]
    makeup_workdays: list[str]
    version: int
    updated_at: datetime
    updated_by: str | None


def _runtime(request: Request) -> ServiceRuntime[None]:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    return runtime


def _out(view: queries.YearView) -> YearOut:
    return YearOut.model_validate(
        {
            **view.year.as_data(),
            "version": view.version,
            "updated_at": view.updated_at,
            "updated_by": view.updated_by,
        }
    )


@router.get("/calendar", response_model=list[YearOut])
async def calendar_years(
    request: Request, principal: Principal = Depends(READERS)
) -> list[YearOut]:
    """Every year on record; ``provisional`` until the State Council's notice is in."""
    async with _runtime(request).uow() as uow:
        views = await queries.calendar_years_view(uow.connection)
    return [_out(v) for v in views]


# A year a calendar can be for (the path is checked before it reaches the database).
YearPath = Annotated[int, Path(ge=1949, le=2200)]


@router.get("/calendar/{year}", response_model=YearOut)
async def calendar_year(
    year: YearPath, request: Request, principal: Principal = Depends(READERS)
) -> JSONResponse:
    async with _runtime(request).uow() as uow:
        views = await queries.calendar_years_view(uow.connection, year)
    if not views:
        raise not_found("calendar year", "该年度日历")
    return JSONResponse(
        _out(views[0]).model_dump(mode="json"), headers={"ETag": f'"{views[0].version}"'}
    )


@router.put("/calendar/{year}", responses=WRITE_RESPONSES)
async def put_calendar_year(
    year: YearPath, body: YearIn, request: Request, principal: Principal = Depends(EDITORS)
) -> JSONResponse:
    """Import (replace) one year. Open deadlines counted in working days move with it;
    the answer says how many clocks moved."""
    raw = body.model_dump()
    try:
        parsed = read_year(raw)
        if parsed.year != year:
            raise CalendarInvalid(
                [
                    (
                        "year",
                        f"The body is for {parsed.year}, the path for {year}.",
                        f"请求体年份 {parsed.year} 与路径年份 {year} 不一致。",
                    )
                ]
            )
    except CalendarInvalid as exc:
        raise CALENDAR_INVALID(
            "The year's schedule is not valid; see errors.",
            "年度日历内容有误，详见 errors。",
            errors=[FieldError(f"#/{field}", "calendar", en, zh) for field, en, zh in exc.problems],
        ) from exc
    version = if_match(request)
    idem = await idempotency(request, principal)

    async def work() -> Answer:
        async with _runtime(request).uow() as uow:
            return await handlers.put_year(
                uow,
                parsed,
                actor_id=principal.staff_id,
                actor_role=principal.role,
                if_match=version,
                idempotency=idem,
            )

    return await answered(work)
