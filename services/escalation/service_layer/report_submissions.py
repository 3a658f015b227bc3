"""The monthly report up the tree (月报告, seed 001): a level reads its report, submits
it (a snapshot of what it shows), the level above accepts or returns it with a reason,
and a report not submitted by the district's deadline is flagged missing once.

A street's or district's report aggregates the reports it accepted (汇总再统一上报);
children not accepted yet are shown with their live counts, marked as such, and left out
of the snapshot submitted upward. Every step is idempotent (Idempotency-Key), versioned
(If-Match), published on the cycle topic in the same commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from services.escalation.adapters import report_queries
from services.escalation.adapters.rate_queries import facts_under, ratings_under
from services.escalation.adapters.report_repository import ReportRepository, Submission
from services.escalation.domain.monthly_report import (
    ACCEPTED,
    CHILD_LEVEL,
    LEVEL_DIGITS,
    RETURNED,
    SUBMITTED,
    ChildStatus,
    MonthlyReport,
    ReportPolicy,
    SubmissionRefused,
    assemble,
    check_decision,
    check_submit,
    is_late,
    join_time_limits,
    level_of,
    load_policies,
    may_decide_for,
    months_back,
    policy_for,
    previous_month,
    row_from_dict,
    row_to_dict,
    total,
)
from services.escalation.domain.rates import SATISFACTION, parse_period, tally
from services.escalation.domain.satisfaction import satisfaction_rate
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    check_version,
    remember,
    replayed,
)
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import (
    MonthlyReportAcceptedV1,
    MonthlyReportMissingV1,
    MonthlyReportReturnedV1,
    MonthlyReportSubmittedV1,
    RateCount,
    ReportTotals,
    TimeLimitRates,
)
from shared.scheduling import JobHandler, Recurrence, ScheduledJob, schedule_recurring

DEADLINE = "escalation.report.deadline"
TREND_MONTHS = 6


class NotYours(PermissionError):
    """The caller's jurisdiction does not cover the unit (or is not the level above)."""


async def report_of(
    uow: UnitOfWork,
    unit_code: str,
    month: str,
    policies: Mapping[str, ReportPolicy] | None = None,
    *,
    now: datetime,
    with_trend: bool = False,
) -> MonthlyReport:
    """The unit's report as it stands at ``now`` (no commit): a time limit counts in
    the month's rates once answered or passed (``domain/rates.py``)."""
    policies = load_policies() if policies is None else policies
    conn = uow.connection
    level = level_of(unit_code) or "grid"
    child_level = CHILD_LEVEL.get(level, "grid")
    child_digits = LEVEL_DIGITS[child_level]
    live = join_time_limits(
        await report_queries.live_rows(conn, unit_code, child_digits, month, previous_month(month)),
        await report_queries.time_limit_rows(
            conn, unit_code, child_digits, parse_period(month), now
        ),
    )
    accepted: dict[str, list[Any]] = {}
    children: list[ChildStatus] = []
    if child_level in ("community", "street"):
        subs = {
            s.unit_code: s
            for s in await report_queries.child_submissions(conn, unit_code, child_digits, month)
        }
        names = await report_queries.child_units(conn, unit_code, child_level)
        for code in sorted(set(names) | set(subs)):
            sub = subs.get(code)
            if sub is not None and sub.status == ACCEPTED and isinstance(sub.snapshot, list):
                accepted[code] = [row_from_dict(r, "accepted") for r in sub.snapshot]
            children.append(
                ChildStatus(
                    code,
                    names.get(code, code),
                    sub.status if sub else None,
                    sub.late if sub else None,
                    bool(sub and sub.missing_flagged_at),
                )
            )
    own = await report_queries.submission(conn, unit_code, month)
    policy = policy_for(unit_code, policies)
    trend = (
        await report_queries.trend(conn, unit_code, months_back(month, TREND_MONTHS))
        if with_trend
        else {}
    )
    return MonthlyReport(
        unit_code=unit_code,
        unit_name=await report_queries.unit_name(conn, unit_code) or unit_code,
        level=level,
        month=month,
        rows=assemble(live, accepted, child_digits) if accepted else live,
        status=own.status if own else None,
        version=own.version if own and own.status else None,
        deadline=policy.deadline(level if level in policy.deadline_day else "district", month),
        late=own.late if own else None,
        return_reason=own.return_reason if own else None,
        children=children,
        trend=trend,
    )


async def time_limit_rates(
    uow: UnitOfWork, principal: Principal, unit_code: str, month: str, now: datetime
) -> TimeLimitRates:
    """The month's time-limit rates of the unit and below (``domain/rates.py``, GridCase
    issue 14 item 8: "for the dashboard, the monthly report"), as counts, so that the
    submitted report carries them and the level above sees them beside its figures."""
    period = parse_period(month)
    facts = await facts_under(uow.connection, principal, unit_code, period)
    rated = await ratings_under(uow.connection, principal, unit_code, period)
    found = {**tally(facts, period, now).rates(), SATISFACTION: satisfaction_rate(rated)}
    return TimeLimitRates(
        **{
            name: RateCount(numerator=rate.numerator, denominator=rate.denominator)
            for name, rate in found.items()
        }
    )


def _current(sub: Submission | None) -> int | None:
    return sub.version if sub is not None and sub.status is not None else None


def state_body(sub: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": sub["unit_code"],
        "month": sub["month"],
        "level": sub["level"],
        "status": sub["status"],
        "version": sub["version"],
        "late": sub.get("late"),
        "return_reason": sub.get("return_reason"),
    }


async def submit(
    uow: UnitOfWork,
    principal: Principal,
    unit_code: str,
    month: str,
    *,
    if_match: int | None,
    idempotency: Idempotency,
    now: datetime,
    policies: Mapping[str, ReportPolicy] | None = None,
) -> Answer:
    """Submit the unit's report of ``month`` upward (first time, or after a return)."""
    if not covers_unit(principal, unit_code):
        raise NotYours(unit_code)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    policies = load_policies() if policies is None else policies
    level = level_of(unit_code) or "grid"
    repo = ReportRepository(uow.connection)
    before = await repo.lock(unit_code, month)
    check_version(_current(before), if_match)
    check_submit(before.status if before else None, level)
    report = await report_of(uow, unit_code, month, policies, now=now)
    rows = [r for r in report.rows if r.source in ("live", "accepted")]
    if level != "community":
        rows = [r for r in rows if r.source == "accepted"]  # what it accepted, only
    month_total = total(r.month for r in rows)
    deadline = policy_for(unit_code, policies).deadline(level, month)
    version = (before.version if before else 0) + 1
    late = is_late(now, deadline)
    values: dict[str, Any] = {
        "unit_code": unit_code,
        "month": month,
        "level": level,
        "status": SUBMITTED,
        "version": version,
        "snapshot": [row_to_dict(r) for r in rows],
        "submitted_at": now,
        "submitted_by": principal.staff_id,
        "late": late,
        "decided_at": None,
        "decided_by": None,
        "return_reason": None,
    }
    await repo.save(values)
    uow.publish(
        topics.CYCLE,
        f"{unit_code}:{month}",
        MonthlyReportSubmittedV1(
            unit_code=unit_code,
            level=level,  # type: ignore[arg-type]
            month=month,
            version=version,
            submitted_by=principal.staff_id,
            submitted_at=now,
            deadline=deadline,
            late=late,
            totals=ReportTotals(**month_total.as_dict()),
            children_accepted=[c.unit_code for c in report.children if c.status == ACCEPTED],
            time_limit_rates=await time_limit_rates(uow, principal, unit_code, month, now),
        ),
    )
    answer = Answer(200, state_body(values), {"ETag": f'"{version}"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def decide(
    uow: UnitOfWork,
    principal: Principal,
    unit_code: str,
    month: str,
    *,
    accept: bool,
    reason: str | None,
    if_match: int | None,
    idempotency: Idempotency,
    now: datetime,
) -> Answer:
    """The level above accepts the report, or returns it with a reason."""
    if principal.role != "admin" and not may_decide_for(principal.unit_codes, unit_code):
        raise NotYours(unit_code)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = ReportRepository(uow.connection)
    before = await repo.lock(unit_code, month)
    check_version(_current(before), if_match)
    check_decision(before.status if before else None)
    assert before is not None  # check_decision refused a missing row
    version = before.version + 1
    values: dict[str, Any] = {
        "unit_code": unit_code,
        "month": month,
        "level": before.level,
        "status": ACCEPTED if accept else RETURNED,
        "version": version,
        "late": before.late,
        "decided_at": now,
        "decided_by": principal.staff_id,
        "return_reason": None if accept else reason,
    }
    await repo.save(values)
    key = f"{unit_code}:{month}"
    if accept:
        uow.publish(
            topics.CYCLE,
            key,
            MonthlyReportAcceptedV1(
                unit_code=unit_code,
                level=before.level,  # type: ignore[arg-type]
                month=month,
                version=version,
                accepted_by=principal.staff_id,
                accepted_at=now,
            ),
        )
    else:
        uow.publish(
            topics.CYCLE,
            key,
            MonthlyReportReturnedV1(
                unit_code=unit_code,
                level=before.level,  # type: ignore[arg-type]
                month=month,
                version=version,
                returned_by=principal.staff_id,
                returned_at=now,
                reason=reason or "",
            ),
        )
    answer = Answer(200, state_body(values), {"ETag": f'"{version}"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


# --- the deadline: missing reports flagged once ---------------------------------------


def series_key(district_code: str, level: str) -> str:
    return f"report:{district_code}:{level}"


def deadline_rule(policy: ReportPolicy, level: str) -> Recurrence:
    """The day of each month the level's report of the month before is due (data)."""
    start = datetime.combine(date(2020, 1, 1), policy.deadline_time)
    return Recurrence(
        f"FREQ=MONTHLY;BYMONTHDAY={policy.deadline_day[level]}",
        start=start,
        timezone=policy.timezone,
    )


async def ensure_deadlines(
    uow: UnitOfWork, policies: Mapping[str, ReportPolicy], now: datetime
) -> None:
    """Every district in the data has a monthly deadline series per level (safe at
    every start). No commit."""
    for code, policy in sorted(policies.items()):
        if not code.isdigit():
            continue
        for level in sorted(policy.deadline_day):
            await schedule_recurring(
                uow,
                DEADLINE,
                deadline_rule(policy, level),
                series_key=series_key(code, level),
                after=now,
                payload={"district_code": code, "level": level},
            )


async def flag_missing(
    uow: UnitOfWork, job: ScheduledJob, policies: Mapping[str, ReportPolicy], now: datetime
) -> int:
    """At a level's deadline: every unit of the level in the district without a
    submitted or accepted report of the month before is flagged, once."""
    district = str(job.payload["district_code"])
    level = str(job.payload["level"])
    policy = policy_for(district, policies)
    local = job.scheduled_for.astimezone(policy.zone)
    month = previous_month(local.strftime("%Y-%m"))
    repo = ReportRepository(uow.connection)
    units = await repo.units_under(district, level)
    flagged = await repo.flag_missing([(u, level) for u in units], month, now)
    for code, status in flagged:
        uow.publish(
            topics.CYCLE,
            f"{code}:{month}",
            MonthlyReportMissingV1(
                unit_code=code,
                level=level,  # type: ignore[arg-type]
                month=month,
                deadline=policy.deadline(level, month),
                status="returned" if status == RETURNED else "not_submitted",
                flagged_at=now,
            ),
        )
    return len(flagged)


def job_handlers(
    policies: Mapping[str, ReportPolicy], now: Callable[[], datetime]
) -> dict[str, JobHandler[UnitOfWork]]:
    async def deadline(uow: UnitOfWork, job: ScheduledJob) -> None:
        await flag_missing(uow, job, policies, now())

    return {DEADLINE: deadline}


__all__ = ["NotYours", "SubmissionRefused", "decide", "report_of", "submit"]
