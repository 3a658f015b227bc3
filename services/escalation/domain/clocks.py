"""Time-limit clocks: accept (受理), handle (办理), verify (验证), with yellow and red cards.

Limits are in working days per case category; practice, not law, so they are data
(``time_limits.json``) with a default row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from services.escalation.domain.calendar import WorkingCalendar

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
LIMITS_FILE = Path(__file__).parent / "time_limits.json"
END_OF_WORKDAY = time(18, 0)


@dataclass(frozen=True)
class StageLimit:
    due: int  # working days
    yellow: int  # working days after which a yellow card is issued
    red: int  # working days after which a red card is issued (red > yellow)


@dataclass(frozen=True)
class ClockPlan:
    stage: str
    started_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime


def load_limits(path: Path = LIMITS_FILE) -> dict[str, dict[str, StageLimit]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        category: {stage: StageLimit(**limit) for stage, limit in stages.items()}
        for category, stages in raw["categories"].items()
    }


def _deadline(calendar: WorkingCalendar, start: date, days: int) -> datetime:
    day = calendar.add_working_days(start, days)
    return datetime.combine(day, END_OF_WORKDAY, tzinfo=BEIJING)


def plan_clock(
    calendar: WorkingCalendar,
    limits: dict[str, dict[str, StageLimit]],
    category: str,
    stage: str,
    started_at: datetime,
) -> ClockPlan:
    stages = limits.get(category) or limits["default"]
    limit = stages.get(stage) or limits["default"][stage]
    local_day = started_at.astimezone(BEIJING).date()
    return ClockPlan(
        stage=stage,
        started_at=started_at,
        due_at=_deadline(calendar, local_day, limit.due),
        yellow_at=_deadline(calendar, local_day, limit.yellow),
        red_at=_deadline(calendar, local_day, limit.red),
    )
