"""Events the escalation service produces, all on ``gridcase.cycle.v1``: a time-limit
clock's warning, yellow card and red card, each fired once by its scheduler (DOMAIN.md
"Time limits and supervision"), keyed by case id and carrying the clock's stage, case,
unit, handler and times; extensions (延期), supervision (督办) and escalations up the
tree, keyed by case id; and the screening cycle's tasks and missing returns, keyed by
task id. Codes and ids only: reasons, instructions and answers in words stay in
escalation's database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from shared.events.payload import Payload

Stage = Literal["accept", "mediate", "confirm", "follow_up", "handle", "verify", "answer"]
"""A clock's stage; ``answer`` is the handler's answer owed to a supervision (督办回复)."""


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


# --- Extensions (延期), keyed by case id ---------------------------------------------

ExtensionReason = Literal[
    "party_unavailable",  # a party is away, ill or cannot be reached
    "complex_facts",  # facts need more investigation
    "expert_assessment",  # waiting for an appraisal, a survey or an expert
    "other_authority",  # waiting for another authority's answer
    "other",
]


class ExtensionRequestedV1(Payload):
    """A handler asked for ``requested_days`` more working days on a running stage
    (延期申请, DOMAIN.md "Time limits and supervision"); the level above decides. The
    reason's words stay in escalation's database; the event carries its code."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.extension-requested.v1"
    producer: ClassVar[str] = "escalation"

    extension_id: str
    case_id: str
    clock_id: str
    stage: Stage
    unit_code: str | None
    unit_level: str | None = None
    handler_id: str | None
    requested_by: str
    requested_days: int
    reason: ExtensionReason
    current_due_at: datetime
    requested_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "extension_id": "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "clock_id": "3f6c1a2e-8b7d-4c5e-9a0f-1b2c3d4e5f60",
        "stage": "handle",
        "unit_code": "451102001001",
        "unit_level": "community",
        "handler_id": "op-451102001001-1",
        "requested_by": "op-451102001001-1",
        "requested_days": 3,
        "reason": "expert_assessment",
        "current_due_at": "2026-12-09T18:00:00+08:00",
        "requested_at": "2026-12-07T10:00:00+08:00",
    }


class ExtensionDecidedV1(Payload):
    """The level above approved (possibly fewer days than asked) or refused an
    extension; when approved the clock's due, yellow and red times moved by
    ``granted_days`` working days and are given here."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.extension-decided.v1"
    producer: ClassVar[str] = "escalation"

    extension_id: str
    case_id: str
    clock_id: str
    stage: Stage
    decision: Literal["approved", "refused"]
    requested_days: int
    granted_days: int  # 0 when refused
    decided_by: str
    decided_at: datetime
    previous_due_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "extension_id": "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "clock_id": "3f6c1a2e-8b7d-4c5e-9a0f-1b2c3d4e5f60",
        "stage": "handle",
        "decision": "approved",
        "requested_days": 3,
        "granted_days": 2,
        "decided_by": "op-451102001-1",
        "decided_at": "2026-12-07T15:00:00+08:00",
        "previous_due_at": "2026-12-09T18:00:00+08:00",
        "due_at": "2026-12-11T18:00:00+08:00",
        "yellow_at": "2026-12-14T18:00:00+08:00",
        "red_at": "2026-12-16T18:00:00+08:00",
    }


# --- Supervision (督办), keyed by case id --------------------------------------------

SupervisionLevel = Literal["normal", "yellow_card", "red_card"]


class SupervisionIssuedV1(Payload):
    """A centre operator, or the red-card policy on its own, supervises a case (督办:
    normal, yellow-card or red-card): the handler owes an answer by
    ``answer_due_at``; ``deduction`` is the assessment points the card costs the
    supervised unit (from the district's data). Instructions stay in escalation's
    database."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.supervision-issued.v1"
    producer: ClassVar[str] = "escalation"

    supervision_id: str
    case_id: str
    level: SupervisionLevel
    origin: Literal["operator", "red_card"]
    issued_by: str | None  # staff id; None when the policy issued it
    issuing_unit_code: str | None
    unit_code: str | None  # the supervised unit
    handler_id: str | None
    stage: Stage | None = None
    clock_id: str | None = None
    deduction: float = 0.0
    answer_due_at: datetime
    issued_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "supervision_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "level": "red_card",
        "origin": "red_card",
        "issued_by": None,
        "issuing_unit_code": "451102001",
        "unit_code": "451102001001",
        "handler_id": "md-451102001001-1",
        "stage": "accept",
        "clock_id": "3f6c1a2e-8b7d-4c5e-9a0f-1b2c3d4e5f60",
        "deduction": 2.0,
        "answer_due_at": "2026-12-09T18:00:00+08:00",
        "issued_at": "2026-12-07T18:00:01+08:00",
    }


class SupervisionAnsweredV1(Payload):
    """The handler answered a supervision (督办回复); ``on_time`` against its due."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.supervision-answered.v1"
    producer: ClassVar[str] = "escalation"

    supervision_id: str
    case_id: str
    answered_by: str
    answered_at: datetime
    on_time: bool

    example: ClassVar[dict[str, Any]] = {
        "supervision_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "answered_by": "md-451102001001-1",
        "answered_at": "2026-12-08T11:00:00+08:00",
        "on_time": True,
    }


class SupervisionCancelledV1(Payload):
    """A centre operator withdrew a supervision (撤销督办); its deduction no longer counts."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.supervision-cancelled.v1"
    producer: ClassVar[str] = "escalation"

    supervision_id: str
    case_id: str
    cancelled_by: str
    cancelled_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "supervision_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "cancelled_by": "op-451102001-1",
        "cancelled_at": "2026-12-08T09:00:00+08:00",
    }


class SupervisionAnswerOverdueV1(Payload):
    """No answer to a supervision by its due time: flagged once."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.supervision-answer-overdue.v1"
    producer: ClassVar[str] = "escalation"

    supervision_id: str
    case_id: str
    unit_code: str | None
    handler_id: str | None
    answer_due_at: datetime
    flagged_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "supervision_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "unit_code": "451102001001",
        "handler_id": "md-451102001001-1",
        "answer_due_at": "2026-12-09T18:00:00+08:00",
        "flagged_at": "2026-12-09T18:00:01+08:00",
    }


# --- Escalation up the tree, keyed by case id ----------------------------------------

UnitLevel = Literal["grid", "community", "street", "district"]


class CaseEscalatedV1(Payload):
    """Escalation decided that a case goes one level up (grid → community → street
    centre → district centre) on its own: a red card under the district's policy, or
    a meeting's decision. Routing assigns the receiving unit's operator; the first
    receiver stays responsible and on the case (首接负责). Escalations a handler asks
    for (上报) or a centre hands down (交办) go through routing's HTTP routes and show
    as ``case.assigned`` with their trigger."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.case-escalated.v1"
    producer: ClassVar[str] = "escalation"

    escalation_id: str
    case_id: str
    reason: Literal["red_card", "meeting_decision"]
    from_unit_code: str
    from_level: UnitLevel
    to_unit_code: str
    to_level: UnitLevel
    first_receiver_id: str | None
    stage: Stage | None = None
    clock_id: str | None = None
    policy_version: int | None = None
    escalated_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "escalation_id": "5c4b3a29-1807-4f6e-8d5c-4b3a2918f7e6",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "reason": "red_card",
        "from_unit_code": "451102001001",
        "from_level": "community",
        "to_unit_code": "451102001",
        "to_level": "street",
        "first_receiver_id": "md-451102001001-1",
        "stage": "accept",
        "clock_id": "3f6c1a2e-8b7d-4c5e-9a0f-1b2c3d4e5f60",
        "policy_version": 1,
        "escalated_at": "2026-12-07T18:00:02+08:00",
    }
