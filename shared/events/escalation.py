"""Events the escalation service produces, all on ``gridcase.cycle.v1``: a time-limit
clock's warning, yellow card and red card, each fired once by its scheduler (DOMAIN.md
"Time limits and supervision"), keyed by case id and carrying the clock's stage, case,
unit, handler and times; extensions (延期), supervision (督办) and escalations up the
tree, keyed by case id; the screening cycle's tasks and missing returns, keyed by task
id; meetings (例会), keyed by meeting id; and the monthly report's submissions up the
tree (月报告), keyed by ``<unit code>:<month>``. Codes, ids and counts only: reasons,
instructions and answers in words stay in escalation's database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.payload import Contract, Payload

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


ReceivingLevel = Literal["community", "street", "district"]
"""The level above a grid that a missing screening return is escalated to."""


class ScreeningReturnMissingV1(Payload):
    """No return (neither disputes nor a nil report) by the due time: a late item,
    flagged once (keyed by task id) and, in the same event, escalated (上报) to the unit
    above the grid that the district's cadence data names (``escalated_to_*``; absent
    where the district escalates nothing, and in events from before escalation)."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.screening-return-missing.v1"
    producer: ClassVar[str] = "escalation"

    task_id: str
    period_key: str
    district_code: str
    grid_code: str
    period_start: date
    due_at: datetime
    flagged_at: datetime
    escalated_to_unit_code: str | None = None
    escalated_to_level: ReceivingLevel | None = None

    example: ClassVar[dict[str, Any]] = {
        "task_id": "3f0a6c8e-1b2d-5e4f-8a9b-0c1d2e3f4a5b",
        "period_key": "451102:2026-12-01",
        "district_code": "451102",
        "grid_code": "451102001001002",
        "period_start": "2026-12-01",
        "due_at": "2026-12-25T18:00:00+08:00",
        "flagged_at": "2026-12-25T18:00:00+08:00",
        "escalated_to_unit_code": "451102001001",
        "escalated_to_level": "community",
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


# --- Meetings (例会) ------------------------------------------------------------------

MeetingAction = Literal["assign", "escalate", "plan", "noted"]


class MeetingDecisionRecordedV1(Payload):
    """A community's or street's regular meeting (月例会, seed 001) decided on a case on
    its agenda (keyed by case id): ``assign`` names the staff member who takes it over
    (routing reassigns it, trigger ``meeting_decision``); ``escalate`` goes with a
    ``case-escalated`` (reason ``meeting_decision``); ``plan`` (一事一策) carries its due
    date; ``noted`` only records it. Codes and ids only: the plan's words, notes and
    minutes stay in escalation's database."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.meeting-decision-recorded.v1"
    producer: ClassVar[str] = "escalation"

    decision_id: str
    meeting_id: str
    case_id: str
    action: MeetingAction
    meeting_unit_code: str
    meeting_unit_level: Literal["community", "street"]
    period: str  # YYYY-MM
    assignee_id: str | None = None
    plan_due: date | None = None
    escalation_id: str | None = None
    decided_by: str
    decided_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "decision_id": "2d4f6a8c-0e1b-5c3d-9e7f-a1b2c3d4e5f6",
        "meeting_id": "8e6c4a20-1f3d-5b7e-9c0a-2b4d6f8a0c1e",
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "action": "assign",
        "meeting_unit_code": "451102001",
        "meeting_unit_level": "street",
        "period": "2026-12",
        "assignee_id": "md-451102001-2",
        "plan_due": None,
        "escalation_id": None,
        "decided_by": "op-451102001-1",
        "decided_at": "2026-12-01T10:15:00+08:00",
    }


class MeetingHeldV1(Payload):
    """A regular meeting was held and its minutes recorded (keyed by meeting id): who
    attended, how many items the agenda had and the decisions by kind, for the
    centre's view and the monthly report."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.meeting-held.v1"
    producer: ClassVar[str] = "escalation"

    meeting_id: str
    unit_code: str
    unit_level: Literal["community", "street"]
    district_code: str
    period: str  # YYYY-MM
    starts_at: datetime
    held_at: datetime  # when the minutes were recorded
    present: int
    absent: int
    agenda_items: int
    case_items: int
    missing_return_items: int
    decisions: dict[str, int]  # assign, escalate, plan, noted
    closed_by: str

    example: ClassVar[dict[str, Any]] = {
        "meeting_id": "8e6c4a20-1f3d-5b7e-9c0a-2b4d6f8a0c1e",
        "unit_code": "451102001",
        "unit_level": "street",
        "district_code": "451102",
        "period": "2026-12",
        "starts_at": "2026-12-01T09:00:00+08:00",
        "held_at": "2026-12-01T11:30:00+08:00",
        "present": 7,
        "absent": 1,
        "agenda_items": 5,
        "case_items": 4,
        "missing_return_items": 1,
        "decisions": {"assign": 1, "escalate": 1, "plan": 1, "noted": 2},
        "closed_by": "op-451102001-1",
    }


# --- Monthly report (月报告): submissions up the tree, keyed by "<unit>:<month>" -----

ReportLevel = Literal["community", "street", "district"]


class ReportTotals(Contract):
    """A report's counts (escalation's ``domain/monthly_report.py`` Figures): a model,
    not a free map, so that a reader ignores a count a newer producer adds."""

    screened: int = 0
    accepted: int = 0
    mediated: int = 0
    succeeded: int = 0
    major: int = 0
    lt50: int = 0
    b50_100: int = 0
    b100_500: int = 0
    gt500: int = 0
    returns: int = 0
    nil_reports: int = 0


class RateCount(Contract):
    """A rate as its counts; no rate when the denominator is 0 (never 100 %)."""

    numerator: int = Field(ge=0)
    denominator: int = Field(ge=0)


class TimeLimitRates(Contract):
    """The time-limit issue's rates of a unit and everything below it in a month
    (escalation's ``domain/rates.py``; DOMAIN.md "Rates, written down")."""

    response: RateCount
    resolution: RateCount
    satisfaction: RateCount
    on_time_closure: RateCount
    mediation_success: RateCount


class MonthlyReportSubmittedV1(Payload):
    """A level submitted its month's report upward (seed 001 月报告): the totals as
    submitted (counts only), and whether it came after the district's deadline.

    ``time_limit_rates``: the month's rates of the time-limit issue (响应率, 解决率,
    满意率, 按期结案率, 成功率) for the unit and everything below it, each with its
    numerator and denominator, as counted when it was submitted. Optional: absent from
    producers before it was added."""

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
    totals: ReportTotals
    children_accepted: list[str] = Field(default_factory=list)
    time_limit_rates: TimeLimitRates | None = None

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
        "time_limit_rates": {
            "response": {"numerator": 4, "denominator": 5},
            "resolution": {"numerator": 2, "denominator": 3},
            "satisfaction": {"numerator": 2, "denominator": 2},
            "on_time_closure": {"numerator": 3, "denominator": 3},
            "mediation_success": {"numerator": 1, "denominator": 2},
        },
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
