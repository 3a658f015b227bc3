"""Escalation's other case notices as the dashboard shows them: extensions (延期),
supervision (督办) and escalations up the tree (DOMAIN.md "Time limits and
supervision"). Each becomes one timeline line in Chinese; an approved extension moves
its clock's times, and a supervision waits for the handler's answer on "my work".

What mediation keeps is codes and times: the reasons, instructions and answers in
words stay in escalation's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.mediation.domain.clocks import LOCAL_TIME, STAGE_LABELS_ZH

EXTENSION_REASONS_ZH = {
    "party_unavailable": "当事人无法到场或联系不上",
    "complex_facts": "案情复杂需进一步调查",
    "expert_assessment": "等待鉴定、勘验或专家意见",
    "other_authority": "等待其他部门答复",
    "other": "其他原因",
}
SUPERVISION_LEVELS_ZH = {"normal": "督办", "yellow_card": "黄牌督办", "red_card": "红牌督办"}
LEVELS_ZH = {"grid": "网格", "community": "社区", "street": "街道", "district": "区"}
ESCALATION_REASONS_ZH = {"red_card": "红牌", "meeting_decision": "会议决定"}

OPEN = "open"
ANSWERED = "answered"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class CaseLine:
    """A line escalation's notice puts on the case's timeline."""

    case_id: str
    at: datetime
    step: str
    what: str


@dataclass(frozen=True)
class ClockMoved:
    """An approved extension: the clock's new times."""

    clock_id: str
    due_at: datetime
    yellow_at: datetime
    red_at: datetime


@dataclass(frozen=True)
class SupervisionOpened:
    """The handler owes an answer by ``answer_due_at``."""

    supervision_id: str
    case_id: str
    level: str
    handler_id: str | None
    answer_due_at: datetime
    issued_at: datetime


@dataclass(frozen=True)
class SupervisionClosed:
    """Answered or withdrawn: nothing owed any more."""

    supervision_id: str
    status: str  # ANSWERED or CANCELLED


@dataclass(frozen=True)
class SupervisionOverdue:
    supervision_id: str


Effect = ClockMoved | SupervisionOpened | SupervisionClosed | SupervisionOverdue


@dataclass(frozen=True)
class CycleNotice:
    """One of escalation's notices: its timeline line and what else it changes."""

    line: CaseLine
    effect: Effect | None = None


def _day(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def _stage(stage: str | None) -> str:
    return STAGE_LABELS_ZH.get(stage or "", stage or "")


def extension_requested(
    case_id: str, at: datetime, stage: str, days: int, reason: str, current_due: datetime
) -> CycleNotice:
    why = EXTENSION_REASONS_ZH.get(reason, reason)
    what = f"申请延期：{_stage(stage)}延长{days}个工作日（{why}），原期限{_day(current_due)}"
    return CycleNotice(CaseLine(case_id, at, "extension-requested", what))


def extension_decided(
    case_id: str,
    at: datetime,
    *,
    approved: bool,
    stage: str,
    requested: int,
    granted: int,
    moved: ClockMoved,
) -> CycleNotice:
    if not approved:
        what = f"延期未获批准：{_stage(stage)}仍于{_day(moved.due_at)}到期"
        return CycleNotice(CaseLine(case_id, at, "extension-decided", what))
    what = (
        f"延期获批：{_stage(stage)}延长{granted}个工作日（申请{requested}个），"
        f"新期限{_day(moved.due_at)}"
    )
    return CycleNotice(CaseLine(case_id, at, "extension-decided", what), moved)


def supervision_issued(opened: SupervisionOpened, *, by_policy: bool) -> CycleNotice:
    level = SUPERVISION_LEVELS_ZH.get(opened.level, opened.level)
    origin = "（红牌自动督办）" if by_policy else ""
    what = f"{level}{origin}：请承办人于{_day(opened.answer_due_at)}前回复"
    return CycleNotice(
        CaseLine(opened.case_id, opened.issued_at, "supervision-issued", what), opened
    )


def supervision_answered(
    case_id: str, supervision_id: str, at: datetime, *, on_time: bool
) -> CycleNotice:
    what = "督办已回复（按时）" if on_time else "督办已回复（逾期）"
    return CycleNotice(
        CaseLine(case_id, at, "supervision-answered", what),
        SupervisionClosed(supervision_id, ANSWERED),
    )


def supervision_cancelled(case_id: str, supervision_id: str, at: datetime) -> CycleNotice:
    return CycleNotice(
        CaseLine(case_id, at, "supervision-cancelled", "督办已撤销"),
        SupervisionClosed(supervision_id, CANCELLED),
    )


def supervision_answer_overdue(
    case_id: str, supervision_id: str, at: datetime, due: datetime
) -> CycleNotice:
    what = f"督办回复逾期：应于{_day(due)}前回复"
    return CycleNotice(
        CaseLine(case_id, at, "supervision-answer-overdue", what),
        SupervisionOverdue(supervision_id),
    )


def case_escalated(
    case_id: str,
    at: datetime,
    *,
    reason: str,
    from_level: str,
    from_unit: str,
    to_level: str,
    to_unit: str,
) -> CycleNotice:
    what = (
        f"自动上报（{ESCALATION_REASONS_ZH.get(reason, reason)}）："
        f"{LEVELS_ZH.get(from_level, from_level)} {from_unit} → "
        f"{LEVELS_ZH.get(to_level, to_level)} {to_unit}，首接责任人仍在办"
    )
    return CycleNotice(CaseLine(case_id, at, "case-escalated", what))


__all__ = [
    "CaseLine",
    "ClockMoved",
    "CycleNotice",
    "SupervisionClosed",
    "SupervisionOpened",
    "SupervisionOverdue",
    "case_escalated",
    "extension_decided",
    "extension_requested",
    "supervision_answer_overdue",
    "supervision_answered",
    "supervision_cancelled",
    "supervision_issued",
]
