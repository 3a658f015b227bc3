"""Events the escalation service produces, on ``gridcase.cycle.v1``.

Other blocks of this module (clocks, cards) may sit beside the screening block below;
each block is independent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from shared.events.payload import Payload

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
