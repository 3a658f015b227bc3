"""The monthly report (月报告) over HTTP.

- ``GET /monthly-reports/{unit}/{month}``: the unit's report (its children × dispute type
  × level; this month, year to date, previous month; this month's time-limit rates with
  their counts), its status and ETag, the children's submissions; centre operators of
  the unit or above, and admins.
- ``GET /monthly-reports/{unit}/{month}/export.{xlsx|csv|pdf}``: the files.
- ``POST .../submit``, ``.../accept``, ``.../return`` (body ``{"reason": ...}``): the
  workflow up the tree, each with an Idempotency-Key and, once the report exists,
  If-Match with its ETag (412 when stale, 428 when missing); 409 when the state does
  not allow the step; 422 field by field in Chinese and English.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters.report_export import default_printer, to_csv, to_xlsx
from services.escalation.domain.monthly_report import (
    COUNT_COLUMNS,
    TIME_LIMIT_RATES,
    Figures,
    MonthlyReport,
    SubmissionRefused,
    TimeLimitRates,
    level_of,
    valid_month,
)
from services.escalation.entrypoints.problems import REPORT_INVALID, REPORT_STATE
from services.escalation.entrypoints.writes import (
    WRITE_RESPONSES,
    answered,
    idempotency,
    if_match,
)
from services.escalation.service_layer import report_submissions as workflow
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.http.problems import FORBIDDEN, FieldError
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["monthly report"])
OPERATORS = Access(*roles.OPERATORS, roles.ADMIN)
PATH = "/monthly-reports/{unit_code}/{month}"
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The unit is outside the caller's jurisdiction"},
    422: {"description": "Unit code or month not valid (errors, field by field)"},
}
DECIDE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES,
    403: {"description": "Only the level above accepts or returns a report"},
    409: {"description": "The report's state does not allow this step"},
}


class FiguresOut(BaseModel):
    screened: int
    accepted: int
    mediated: int
    succeeded: int
    major: int
    lt50: int
    b50_100: int
    b100_500: int
    gt500: int
    returns: int
    nil_reports: int
    mediation_rate: float | None
    success_rate: float | None


class TimeLimitsOut(BaseModel):
    """This month's time-limit rates with their counts (``domain/rates.py``): 响应率
    response, 解决率 resolution, 按期结案率 on-time closure, 满意率 satisfaction; a rate
    is null when its denominator is 0."""

    due_to_respond: int
    responded_in_time: int
    due_to_close: int
    resolved: int
    closed_on_time: int
    rated: int
    satisfied: int
    response_rate: float | None
    resolution_rate: float | None
    on_time_closure_rate: float | None
    satisfaction_rate: float | None


class RowOut(BaseModel):
    area_code: str
    category: str
    level: str
    source: str
    month: FiguresOut
    year_to_date: FiguresOut
    previous: FiguresOut
    month_on_month: int
    time_limits: TimeLimitsOut


class ChildOut(BaseModel):
    unit_code: str
    name: str
    status: str | None
    late: bool | None
    missing_flagged: bool


class ReportOut(BaseModel):
    unit_code: str
    unit_name: str
    level: str
    month: str
    status: str | None
    version: int | None
    deadline: str
    late: bool | None
    return_reason: str | None
    totals: dict[str, FiguresOut]
    time_limit_totals: TimeLimitsOut
    rows: list[RowOut]
    children: list[ChildOut]


class StateOut(BaseModel):
    unit_code: str
    month: str
    level: str
    status: str
    version: int
    late: bool | None
    return_reason: str | None


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Any = Field(None, description="why it goes back (required, 1–500 characters)")


def _figures(f: Figures) -> FiguresOut:
    return FiguresOut(
        **{n: getattr(f, n) for n in COUNT_COLUMNS},
        mediation_rate=f.mediation_rate,
        success_rate=f.success_rate,
    )


def _time_limits(t: TimeLimitRates) -> TimeLimitsOut:
    return TimeLimitsOut(**t.as_dict(), **{name: getattr(t, name) for name in TIME_LIMIT_RATES})


def report_out(report: MonthlyReport) -> ReportOut:
    m, y, p = report.totals
    return ReportOut(
        unit_code=report.unit_code,
        unit_name=report.unit_name,
        level=report.level,
        month=report.month,
        status=report.status,
        version=report.version,
        deadline=report.deadline.isoformat(),
        late=report.late,
        return_reason=report.return_reason,
        totals={"month": _figures(m), "year_to_date": _figures(y), "previous": _figures(p)},
        time_limit_totals=_time_limits(report.time_limit_totals),
        rows=[
            RowOut(
                area_code=r.area_code,
                category=r.category,
                level=r.level,
                source=r.source,
                month=_figures(r.month),
                year_to_date=_figures(r.year_to_date),
                previous=_figures(r.previous),
                month_on_month=r.month_on_month,
                time_limits=_time_limits(r.time_limits),
            )
            for r in report.rows
        ],
        children=[ChildOut(**vars(c)) for c in report.children],
    )


def _runtime(request: Request) -> ServiceRuntime[None]:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    return runtime


def _check_path(unit_code: str, month: str) -> None:
    errors = []
    if not unit_code.isdigit() or level_of(unit_code) not in ("community", "street", "district"):
        errors.append(
            FieldError(
                "#/path/unit_code",
                "unit",
                "A community (12 digits), street (9) or district (6) code.",
                "应为社区（12 位）、街道（9 位）或区县（6 位）代码。",
            )
        )
    if not valid_month(month):
        errors.append(
            FieldError("#/path/month", "month", "A month as YYYY-MM.", "月份格式应为 YYYY-MM。")
        )
    if errors:
        raise REPORT_INVALID(
            "The unit or month is not valid; see errors.",
            "单位或月份有误，详见 errors。",
            errors=errors,
        )


def _check_reader(principal: Principal, unit_code: str) -> None:
    if not covers_unit(principal, unit_code):
        raise FORBIDDEN("The unit is outside your jurisdiction.", "该单位不在您的管辖范围内。")


async def _report(request: Request, unit_code: str, month: str, trend: bool) -> MonthlyReport:
    runtime = _runtime(request)
    async with runtime.uow() as uow:
        return await workflow.report_of(
            uow, unit_code, month, now=runtime.clock.now(), with_trend=trend
        )


@router.get(PATH, response_model=ReportOut, responses=READ_RESPONSES)
async def get_report(
    unit_code: str, month: str, request: Request, principal: Principal = Depends(OPERATORS)
) -> JSONResponse:
    """The unit's report as it stands; a street's or district's aggregates the reports
    it accepted (``source: accepted``), the others live (``source: live``)."""
    _check_path(unit_code, month)
    _check_reader(principal, unit_code)
    report = await _report(request, unit_code, month, False)
    headers = {"ETag": f'"{report.version}"'} if report.version is not None else {}
    return JSONResponse(report_out(report).model_dump(mode="json"), headers=headers)


@router.get(
    PATH + "/export.{fmt}",
    responses={
        **READ_RESPONSES,
        200: {"content": {m: {} for m in MEDIA.values()}, "description": "the file"},
    },
)
async def export_report(
    unit_code: str,
    month: str,
    fmt: str,
    request: Request,
    principal: Principal = Depends(OPERATORS),
) -> Response:
    """xlsx in the official statistics table's layout, CSV, or PDF with the trend chart."""
    _check_path(unit_code, month)
    if fmt not in MEDIA:
        raise REPORT_INVALID(
            "Export as xlsx, csv or pdf.",
            "导出格式应为 xlsx、csv 或 pdf。",
            errors=[FieldError("#/path/fmt", "format", "xlsx, csv or pdf.", "xlsx、csv 或 pdf。")],
        )
    _check_reader(principal, unit_code)
    report = await _report(request, unit_code, month, fmt == "pdf")
    if fmt == "pdf":
        body = await asyncio.to_thread(default_printer().pdf, report, principal.staff_id)
    elif fmt == "xlsx":
        body = await asyncio.to_thread(to_xlsx, report, principal.staff_id)
    else:
        body = to_csv(report, principal.staff_id)
    name = f"monthly-report-{unit_code}-{month}.{fmt}"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _refused(exc: SubmissionRefused) -> Exception:
    return REPORT_STATE(
        exc.en, exc.zh, errors=[FieldError(f"#/{exc.code}", exc.code, exc.en, exc.zh)]
    )


def _not_yours(en: str, zh: str) -> Exception:
    return FORBIDDEN(en, zh)


@router.post(PATH + "/submit", response_model=StateOut, responses=DECIDE_RESPONSES)
async def submit_report(
    unit_code: str, month: str, request: Request, principal: Principal = Depends(OPERATORS)
) -> JSONResponse:
    """Submit the unit's report upward (a snapshot of what it shows); again after a
    return, with If-Match."""
    _check_path(unit_code, month)
    version = if_match(request)
    idem = await idempotency(request, principal)
    runtime = _runtime(request)

    async def work() -> Answer:
        async with runtime.uow() as uow:
            return await workflow.submit(
                uow,
                principal,
                unit_code,
                month,
                if_match=version,
                idempotency=idem,
                now=runtime.clock.now(),
            )

    try:
        return await answered(work)
    except SubmissionRefused as exc:
        raise _refused(exc) from exc
    except workflow.NotYours as exc:
        raise _not_yours(
            "Only the unit's own centre submits its report.", "仅本级综治中心可上报本单位报告。"
        ) from exc


async def _decide(
    request: Request,
    principal: Principal,
    unit_code: str,
    month: str,
    *,
    accept: bool,
    reason: str | None,
) -> JSONResponse:
    _check_path(unit_code, month)
    version = if_match(request)
    idem = await idempotency(request, principal)
    runtime = _runtime(request)

    async def work() -> Answer:
        async with runtime.uow() as uow:
            return await workflow.decide(
                uow,
                principal,
                unit_code,
                month,
                accept=accept,
                reason=reason,
                if_match=version,
                idempotency=idem,
                now=runtime.clock.now(),
            )

    try:
        return await answered(work)
    except SubmissionRefused as exc:
        raise _refused(exc) from exc
    except workflow.NotYours as exc:
        raise _not_yours(
            "Only the level above accepts or returns a report.", "仅上级可接收或退回报告。"
        ) from exc


@router.post(PATH + "/accept", response_model=StateOut, responses=DECIDE_RESPONSES)
async def accept_report(
    unit_code: str, month: str, request: Request, principal: Principal = Depends(OPERATORS)
) -> JSONResponse:
    """The level above accepts: the report joins its own (汇总再统一上报)."""
    return await _decide(request, principal, unit_code, month, accept=True, reason=None)


@router.post(PATH + "/return", response_model=StateOut, responses=DECIDE_RESPONSES)
async def return_report(
    unit_code: str,
    month: str,
    body: ReturnIn,
    request: Request,
    principal: Principal = Depends(OPERATORS),
) -> JSONResponse:
    """The level above sends it back with a reason; the unit may resubmit."""
    reason = body.reason
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise REPORT_INVALID(
            "Say why the report goes back; see errors.",
            "请说明退回原因，详见 errors。",
            errors=[
                FieldError(
                    "#/reason", "reason", "Required, 1–500 characters.", "必填，1–500 个字符。"
                )
            ],
        )
    return await _decide(request, principal, unit_code, month, accept=False, reason=reason.strip())
