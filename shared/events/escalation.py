"""Events the escalation service produces, all on ``gridcase.cycle.v1``: a time-limit
clock's warning, yellow card and red card, each fired once by its scheduler (DOMAIN.md
"Time limits and supervision"), keyed by case id and carrying the clock's stage, case,
unit, handler and times; and the screening cycle's tasks and missing returns, keyed by
task id. Codes and ids only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

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
