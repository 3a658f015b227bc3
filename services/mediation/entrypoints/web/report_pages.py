"""The reports page (月报与三率, GridCase issue 14 item 8 "for the dashboard" and issue
15 item 3 "shown on the dashboard"): for operators of a community, street or district,
each unit below them with its month's report state (未报/已报/退回/已接收/逾期), the
figures it submitted (排查数, 调处数, 成功数) and the time-limit rates with their counts,
and links to escalation's exports.

Everything shown comes from mediation's own view of escalation's events
(``domain/report_states.py``); the exports are escalation's files, fetched server side
with the user's token (``adapters/escalation_client.py``) so that the browser talks to
this origin only and never holds a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.mediation.adapters.escalation_client import (
    EXPORT_FORMATS,
    EscalationUnavailable,
    ExportRefused,
)
from services.mediation.adapters.report_queries import latest_month, reports_of_month
from services.mediation.adapters.routing_client import RoutingUnavailable, Unit
from services.mediation.domain.report_states import (
    FIGURES,
    RATES,
    RateCount,
    ReportState,
    rate_counts,
    shown_status,
)
from services.mediation.entrypoints.web import labels
from services.mediation.entrypoints.web.pages import (
    local_time,
    routing_client,
    runtime_of,
    signed_in,
    signed_in_person,
    with_renewed_tokens,
)
from services.mediation.entrypoints.web.rendering import render
from shared.auth.policy import PUBLIC

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

# The levels that submit a monthly report (seed 001: community → street → district).
REPORTING_LEVELS = ("community", "street", "district")
LOCAL = "Asia/Shanghai"


def valid_month(month: str) -> bool:
    return (
        len(month) == 7
        and month[4] == "-"
        and month[:4].isdigit()
        and month[5:].isdigit()
        and 1 <= int(month[5:]) <= 12
    )


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def default_month(now: datetime) -> str:
    """The month reports are being submitted for: the one before the current month (a
    level submits by a day of the following month, ``monthly_report.json``)."""
    return previous_month(local_time(now)[:7])


@dataclass(frozen=True)
class ReportLine:
    unit: Unit
    status: str
    state: ReportState | None
    figures: dict[str, int]
    rates: dict[str, RateCount]


@router.get("/reports")
async def reports_page(request: Request, month: str = "") -> Response:
    """Each unit's report of the month, below the operator's own, with its figures."""
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    me = await signed_in_person(request, session)
    if not me.supervisor:
        return with_renewed_tokens(
            request, session, render(request, "not_found.html", {"me": me}, status_code=404)
        )
    root = session.principal.unit_codes[0] if session.principal.unit_codes else ""
    try:
        units = await routing_client(request).units(
            session.access_token, under=root, with_boundary=False
        )
    except RoutingUnavailable:
        return with_renewed_tokens(
            request, session, render(request, "unavailable.html", {"me": me}, status_code=503)
        )
    runtime = runtime_of(request)
    month_invalid = bool(month) and not valid_month(month)
    async with runtime.uow() as uow:
        if not month or month_invalid:
            month = await latest_month(uow.connection, session.principal) or default_month(
                runtime.clock.now()
            )
        states = await reports_of_month(uow.connection, session.principal, month)
    lines = []
    for unit in sorted(units, key=lambda u: u.code):
        if unit.level not in REPORTING_LEVELS:
            continue
        state = states.get(unit.code)
        lines.append(
            ReportLine(
                unit,
                shown_status(state),
                state,
                {name: (state.totals.get(name, 0) if state else 0) for name in FIGURES},
                rate_counts(state.rates) if state else {},
            )
        )
    response = render(
        request,
        "reports.html",
        {
            "me": me,
            "current": "reports",
            "month": month,
            "month_invalid": month_invalid,
            "previous_month": previous_month(month),
            "next_month": next_month(month),
            "lines": lines,
            "figures": FIGURES,
            "rates": RATES,
            "formats": EXPORT_FORMATS,
            "report_states": labels.MONTHLY_REPORT_STATES,
            "figure_labels": labels.REPORT_FIGURES,
            "rate_labels": labels.REPORT_RATES,
            "show_time": local_time,
        },
    )
    return with_renewed_tokens(request, session, response)


@router.get("/reports/{unit_code}/{month}/export.{fmt}")
async def report_export(request: Request, unit_code: str, month: str, fmt: str) -> Response:
    """Escalation's export of the unit's report, as the signed-in user."""
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    me = await signed_in_person(request, session)
    if not (unit_code.isdigit() and valid_month(month) and fmt in EXPORT_FORMATS):
        return with_renewed_tokens(
            request, session, render(request, "not_found.html", {"me": me}, status_code=404)
        )
    client = runtime_of(request).state.escalation_client
    try:
        file = await client.report_export(session.access_token, unit_code, month, fmt)
    except ExportRefused:
        return with_renewed_tokens(
            request, session, render(request, "not_found.html", {"me": me}, status_code=404)
        )
    except EscalationUnavailable:
        return with_renewed_tokens(
            request, session, render(request, "unavailable.html", {"me": me}, status_code=503)
        )
    response = Response(
        file.body,
        media_type=file.media_type,
        headers={"Content-Disposition": file.disposition, "Cache-Control": "no-store"},
    )
    return with_renewed_tokens(request, session, response)
