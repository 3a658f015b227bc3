"""Events the escalation service produces, all on ``gridcase.cycle.v1``: a time-limit
clock's warning, yellow card and red card, each fired once by its scheduler (DOMAIN.md
"Time limits and supervision"), keyed by case id and carrying the clock's stage, case,
unit, handler and times; the screening cycle's tasks and missing returns, keyed by
task id; and the monthly report's submissions up the tree (月报告), keyed by
``<unit code>:<month>``. Codes, ids and counts only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.payload import Payload

Stage = Literal["accept", "mediate", "confirm", "follow_up", "handle", "verify"]


class ClockNoticeV1(Payload):
    """Fields every clock notice carries (not published on its own)."""

    producer: ClassVar[str] = "escalation"

    clock_id: str
    case_id: str
    stage: Stage
    category: str
    risk: str = "normal"
    unit_code: str | None
    unit_level: str | None = None
    handler_id: str | None
    started_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    fired_at: datetime  # the scheduler's time when it fired (may be later than planned)


class ClockWarnedV1(ClockNoticeV1):
    """The due time is near: ``warn_at`` was reached with the stage still open."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.clock-warned.v1"
    warn_at: datetime


class YellowCardIssuedV1(ClockNoticeV1):
    """The stage ran past its yellow-card limit (黄牌)."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.yellow-card-issued.v1"


class RedCardIssuedV1(ClockNoticeV1):
    """The stage ran past its red-card limit (红牌): supervision (督办) is due."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.red-card-issued.v1"


def _example(**fields: object) -> dict[str, object]:
    return {
        "clock_id": "3f6c1a2e-8b7d-4c5e-9a0f-1b2c3d4e5f60",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "stage": "accept",
        "category": "邻里纠纷",
        "risk": "normal",
        "unit_code": "451102001001",
        "unit_level": "community",
        "handler_id": "md-451102001001-1",
        "started_at": "2026-12-02T10:00:00+08:00",
        "due_at": "2026-12-03T18:00:00+08:00",
        "yellow_at": "2026-12-04T18:00:00+08:00",
        "red_at": "2026-12-07T18:00:00+08:00",
        **fields,
    }


ClockWarnedV1.example = _example(
    warn_at="2026-12-02T18:00:00+08:00", fired_at="2026-12-02T18:00:01+08:00"
)
YellowCardIssuedV1.example = _example(fired_at="2026-12-04T18:00:01+08:00")
RedCardIssuedV1.example = _example(fired_at="2026-12-07T18:00:01+08:00")


# --- Screening (排查): tasks and missing returns, keyed by task id -----------------

ScreeningCadence = Literal["monthly", "half_monthly", "weekly"]


class ScreeningTaskOpenedV1(Payload):
    """A screening period began: one task for one grid, its return due by ``due_at``
    (seed 001 月排查; keyed by task id)."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.screening-task-opened.v1"
    producer: ClassVar[str] = "escalation"

    task_id: str
    period_key: str
    district_code: str
    grid_code: str
    grid_name: str | None = None
    schedule: str
    cadence: ScreeningCadence
    period_start: date
    period_end: date  # exclusive: the day the next period starts
    due_at: datetime
    opened_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "task_id": "3f0a6c8e-1b2d-5e4f-8a9b-0c1d2e3f4a5b",
        "period_key": "451102:2026-12-01",
        "district_code": "451102",
        "grid_code": "451102001001002",
        "grid_name": "示范社区第二网格",
        "schedule": "月排查",
        "cadence": "monthly",
        "period_start": "2026-12-01",
        "period_end": "2027-01-01",
        "due_at": "2026-12-25T18:00:00+08:00",
        "opened_at": "2026-12-01T00:00:00+08:00",
    }


class ScreeningReturnMissingV1(Payload):
    """No return (neither disputes nor a nil report) by the due time: a late item,
    flagged once (keyed by task id)."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.screening-return-missing.v1"
    producer: ClassVar[str] = "escalation"

    task_id: str
    period_key: str
    district_code: str
    grid_code: str
    period_start: date
    due_at: datetime
    flagged_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "task_id": "3f0a6c8e-1b2d-5e4f-8a9b-0c1d2e3f4a5b",
        "period_key": "451102:2026-12-01",
        "district_code": "451102",
        "grid_code": "451102001001002",
        "period_start": "2026-12-01",
        "due_at": "2026-12-25T18:00:00+08:00",
        "flagged_at": "2026-12-25T18:00:00+08:00",
    }


# --- end of screening --------------------------------------------------------------


# --- Monthly report (月报告): submissions up the tree, keyed by "<unit>:<month>" -----

ReportLevel = Literal["community", "street", "district"]


class MonthlyReportSubmittedV1(Payload):
    """A level submitted its month's report upward (seed 001 月报告): the totals as
    submitted (counts only), and whether it came after the district's deadline."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.monthly-report-submitted.v1"
    producer: ClassVar[str] = "escalation"

    unit_code: str
    level: ReportLevel
    month: str  # YYYY-MM
    version: int
    submitted_by: str
    submitted_at: datetime
    deadline: datetime
    late: bool
    totals: dict[str, int]
    children_accepted: list[str] = Field(default_factory=list)

    example: ClassVar[dict[str, Any]] = {
        "unit_code": "451102001001",
        "level": "community",
        "month": "2026-12",
        "version": 1,
        "submitted_by": "op-451102001001-1",
        "submitted_at": "2027-01-02T10:00:00+08:00",
        "deadline": "2027-01-03T18:00:00+08:00",
        "late": False,
        "totals": {"screened": 3, "accepted": 2, "mediated": 2, "succeeded": 1, "nil_reports": 1},
        "children_accepted": [],
    }


class MonthlyReportReturnedV1(Payload):
    """The level above sent the report back with a reason; it may be resubmitted."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.monthly-report-returned.v1"
    producer: ClassVar[str] = "escalation"

    unit_code: str
    level: ReportLevel
    month: str
    version: int
    returned_by: str
    returned_at: datetime
    reason: str

    example: ClassVar[dict[str, Any]] = {
        "unit_code": "451102001001",
        "level": "community",
        "month": "2026-12",
        "version": 2,
        "returned_by": "op-451102001-1",
        "returned_at": "2027-01-04T09:00:00+08:00",
        "reason": "成功数与台账不符，请核对后重报。",
    }


class MonthlyReportAcceptedV1(Payload):
    """The level above accepted the report: it joins that level's own report."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.monthly-report-accepted.v1"
    producer: ClassVar[str] = "escalation"

    unit_code: str
    level: ReportLevel
    month: str
    version: int
    accepted_by: str
    accepted_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "unit_code": "451102001001",
        "level": "community",
        "month": "2026-12",
        "version": 2,
        "accepted_by": "op-451102001-1",
        "accepted_at": "2027-01-04T09:00:00+08:00",
    }


class MonthlyReportMissingV1(Payload):
    """No report submitted by the deadline: a late item, flagged once per unit and
    month."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.monthly-report-missing.v1"
    producer: ClassVar[str] = "escalation"

    unit_code: str
    level: ReportLevel
    month: str
    deadline: datetime
    status: Literal["not_submitted", "returned"]
    flagged_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "unit_code": "451102001002",
        "level": "community",
        "month": "2026-12",
        "deadline": "2027-01-03T18:00:00+08:00",
        "status": "not_submitted",
        "flagged_at": "2027-01-03T18:00:00+08:00",
    }


# --- end of monthly report -----------------------------------------------------------
