"""Regular meetings (月例会) over HTTP, for the centre operators of the unit and those
above it (a meeting elsewhere is 404).

Writes carry an Idempotency-Key; a change to an existing meeting names the version it
was read at in If-Match (412 when stale, 428 when missing). Bad input is answered field
by field (``meeting-invalid``), in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters import meeting_queries
from services.escalation.adapters.documents.minutes import MinutesPrinter
from services.escalation.domain.meetings import MeetingInvalid, MeetingSchedule
from services.escalation.entrypoints.problems import (
    AGENDA_ITEM_DECIDED,
    CANNOT_ESCALATE,
    MEETING_CLOSED,
    MEETING_INCOMPLETE,
    MEETING_INVALID,
    MEETING_STARTED,
)
from services.escalation.entrypoints.writes import (
    WRITE_RESPONSES,
    answered,
    idempotency,
    if_match,
)
from services.escalation.service_layer import meetings as handlers
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import FieldError, ProblemType, not_found
from shared.runtime import ServiceRuntime

OPERATORS = Access(*roles.OPERATORS, roles.ADMIN)
_REFUSALS: dict[str, ProblemType] = {
    "meeting-closed": MEETING_CLOSED,
    "meeting-started": MEETING_STARTED,
    "agenda-item-decided": AGENDA_ITEM_DECIDED,
    "cannot-escalate": CANNOT_ESCALATE,
    "meeting-incomplete": MEETING_INCOMPLETE,
}
MEETING_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES,
    404: {"description": "No such meeting (or unit) within your jurisdiction"},
    409: {
        "description": "The meeting's state refuses it: closed, started, item decided, "
        "no level above, or attendance/decisions missing before the minutes"
    },
}


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_code: str = Field(..., max_length=15, description="a community's or street's code")
    period: str = Field(..., description="the month, YYYY-MM")


class AttendeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: Any = Field(None, description="as typed")
    name: Any = Field(None, description="as typed")
    present: Any = True
    absence_reason: Any = None


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendees: list[AttendeeIn]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: Any = None
    action: Any = Field(None, description="assign | escalate | plan | noted")
    assignee_id: Any = Field(None, description="assign: the staff member who takes the case")
    assignee_name: Any = None
    plan: Any = Field(None, description="plan (一事一策): what is to be done")
    plan_due: Any = Field(None, description="plan: YYYY-MM-DD")
    note: Any = None


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: Any = None


class MeetingOut(BaseModel):
    meeting_id: str
    unit_code: str
    unit_name: str | None
    unit_level: str
    period: str
    name: str
    starts_at: datetime
    window_start: datetime
    status: str
    version: int
    agenda_generated_at: datetime
    closed_at: datetime | None


class ItemOut(BaseModel):
    item_id: str
    seq: int
    kind: str
    flags: list[str]
    case_id: str | None
    facts: dict[str, Any]


class DecisionOut(BaseModel):
    item_id: str
    decision_id: str
    action: str
    case_id: str | None
    assignee_id: str | None
    assignee_name: str | None
    plan: str | None
    plan_due: date | None
    note: str | None
    escalated_to: str | None
    decided_by: str
    decided_at: datetime


class MeetingDetailOut(MeetingOut):
    attendance: list[dict[str, Any]]
    minutes: str | None
    items: list[ItemOut]
    decisions: list[DecisionOut]


def _runtime(request: Request) -> ServiceRuntime[None]:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    return runtime


async def _write(work: Callable[[], Awaitable[Answer]]) -> JSONResponse:
    try:
        return await answered(work)
    except MeetingInvalid as exc:
        raise MEETING_INVALID(
            "The entry breaks a rule; see errors.",
            "填报内容不符合要求，详见 errors。",
            errors=[FieldError(p.pointer, p.code, p.en, p.zh) for p in exc.problems],
        ) from exc
    except handlers.MeetingNotFound as exc:
        raise not_found("meeting or unit", "会议或单位") from exc
    except handlers.MeetingRefused as exc:
        raise _REFUSALS[exc.code](
            exc.en,
            exc.zh,
            errors=[FieldError(p.pointer, p.code, p.en, p.zh) for p in exc.problems] or None,
        ) from exc


def meetings_router(schedules: Mapping[str, MeetingSchedule], printer: MinutesPrinter) -> APIRouter:
    router = APIRouter(tags=["meetings"])

    @router.get("/meetings", response_model=list[MeetingOut])
    async def list_meetings(
        request: Request,
        unit: str | None = Query(None, max_length=15, pattern=r"^\d+$"),
        period: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
        principal: Principal = Depends(OPERATORS),
    ) -> list[MeetingOut]:
        """The meetings of a unit and the units under it, newest month first."""
        async with _runtime(request).uow() as uow:
            rows = await meeting_queries.list_meetings(uow.connection, principal, unit, period)
        return [MeetingOut.model_validate(r, from_attributes=True) for r in rows]

    @router.post(
        "/meetings", response_model=MeetingOut, status_code=201, responses=MEETING_RESPONSES
    )
    async def create_meeting(
        body: MeetingIn, request: Request, principal: Principal = Depends(OPERATORS)
    ) -> JSONResponse:
        """Create the unit's meeting of the month with its agenda (201); for a meeting not
        yet started, generate the agenda again (200, If-Match)."""
        version = if_match(request)
        idem = await idempotency(request, principal)
        runtime = _runtime(request)

        async def work() -> Answer:
            async with runtime.uow() as uow:
                return await handlers.create_meeting(
                    uow,
                    schedules,
                    principal,
                    body.unit_code,
                    body.period,
                    runtime.clock.now(),
                    if_match=version,
                    idempotency=idem,
                )

        return await _write(work)

    @router.get("/meetings/{meeting_id}", response_model=MeetingDetailOut, responses={404: {}})
    async def get_meeting(
        meeting_id: str, request: Request, principal: Principal = Depends(OPERATORS)
    ) -> JSONResponse:
        """The meeting with its agenda (why each item is on it: ``flags``), attendance and
        decisions; its ETag is the version a change names in If-Match."""
        async with _runtime(request).uow() as uow:
            detail = await meeting_queries.meeting_detail(uow.connection, principal, meeting_id)
        if detail is None:
            raise not_found("meeting", "会议")
        out = MeetingDetailOut.model_validate(
            {
                **vars(detail.meeting),
                "items": [vars(i) for i in detail.items],
                "decisions": [vars(d) for d in detail.decisions],
            }
        )
        return JSONResponse(
            out.model_dump(mode="json"), headers={"ETag": f'"{detail.meeting.version}"'}
        )

    @router.post("/meetings/{meeting_id}/attendance", responses=MEETING_RESPONSES)
    async def attendance(
        meeting_id: str,
        body: AttendanceIn,
        request: Request,
        principal: Principal = Depends(OPERATORS),
    ) -> JSONResponse:
        """Who attended (staff id and name as typed) and who was absent, with the reason;
        the meeting starts and its agenda is frozen."""
        version = if_match(request)
        idem = await idempotency(request, principal)
        runtime = _runtime(request)
        raw = [a.model_dump() for a in body.attendees]

        async def work() -> Answer:
            async with runtime.uow() as uow:
                return await handlers.record_attendance(
                    uow,
                    principal,
                    meeting_id,
                    raw,
                    runtime.clock.now(),
                    if_match=version,
                    idempotency=idem,
                )

        return await _write(work)

    @router.post("/meetings/{meeting_id}/decisions", status_code=201, responses=MEETING_RESPONSES)
    async def decide(
        meeting_id: str,
        body: DecisionIn,
        request: Request,
        principal: Principal = Depends(OPERATORS),
    ) -> JSONResponse:
        """A decision on one agenda item: ``assign`` (to a named staff member; routing
        reassigns), ``escalate`` (one level up; routing assigns the unit above), ``plan``
        (一事一策, with a due date) or ``noted``."""
        version = if_match(request)
        idem = await idempotency(request, principal)
        runtime = _runtime(request)
        raw = body.model_dump()

        async def work() -> Answer:
            async with runtime.uow() as uow:
                return await handlers.record_decision(
                    uow,
                    principal,
                    meeting_id,
                    raw,
                    runtime.clock.now(),
                    if_match=version,
                    idempotency=idem,
                )

        return await _write(work)

    @router.post("/meetings/{meeting_id}/minutes", responses=MEETING_RESPONSES)
    async def minutes(
        meeting_id: str,
        body: MinutesIn,
        request: Request,
        principal: Principal = Depends(OPERATORS),
    ) -> JSONResponse:
        """The minutes close the meeting (``meeting-held`` is published)."""
        version = if_match(request)
        idem = await idempotency(request, principal)
        runtime = _runtime(request)

        async def work() -> Answer:
            async with runtime.uow() as uow:
                return await handlers.record_minutes(
                    uow,
                    principal,
                    meeting_id,
                    body.minutes,
                    runtime.clock.now(),
                    if_match=version,
                    idempotency=idem,
                )

        return await _write(work)

    @router.get(
        "/meetings/{meeting_id}/minutes.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}, 404: {}},
    )
    async def minutes_pdf(
        meeting_id: str, request: Request, principal: Principal = Depends(OPERATORS)
    ) -> Response:
        """The minutes as PDF (例会纪要); before closing, a draft with what is recorded."""
        async with _runtime(request).uow() as uow:
            detail = await meeting_queries.meeting_detail(uow.connection, principal, meeting_id)
        if detail is None:
            raise not_found("meeting", "会议")
        pdf = await printer.pdf(detail)
        m = detail.meeting
        name = f"{m.unit_name or m.unit_code}例会纪要{m.period}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f"inline; filename=\"minutes.pdf\"; filename*=UTF-8''{quote(name)}"
                ),
                "Cache-Control": "no-store",
            },
        )

    return router
