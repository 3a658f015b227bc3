"""Events the escalation service produces: a time-limit clock's warning, yellow card and
red card, each fired once by its scheduler (DOMAIN.md "Time limits and supervision").

They go on ``gridcase.cycle.v1`` keyed by case id, and carry the clock's stage, case,
unit, handler and times: codes and ids only.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

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
