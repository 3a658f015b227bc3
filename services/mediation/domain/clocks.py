"""Escalation's time-limit clocks as the dashboard sees them: each clock's notices
folded into its state, the card a case carries, and the timeline's lines.

Escalation owns the clocks and fires each notice once (DOMAIN.md "Time limits and
supervision"); mediation keeps what it heard, so that the case list, the case page and
"my work" show yellow and red cards (黄牌、红牌) without asking escalation. What a notice
does to a clock is one row of ``NOTICES`` (a new kind of notice is a new row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Shanghai")

YELLOW = "yellow"
RED = "red"
CARDS = (YELLOW, RED)
_RANK = {None: 0, YELLOW: 1, RED: 2}

# Notices (the kind of event, in mediation's words).
WARNED = "warned"
YELLOW_CARD = "yellow-card"
RED_CARD = "red-card"

STAGE_LABELS_ZH = {
    "accept": "受理",
    "mediate": "调解",
    "confirm": "司法确认申请",
    "follow_up": "回访",
    "handle": "办理",
    "verify": "验证",
    "answer": "督办回复",
}

# Which of "my work"'s actions (``domain/agenda.py``) each clock's stage times.
STAGE_ACTIONS = {
    "accept": frozenset({"accept"}),
    "mediate": frozenset({"mediate", "signatures"}),
    "confirm": frozenset({"confirmation-window"}),
    "follow_up": frozenset({"follow-up"}),
    "handle": frozenset({"handle"}),
    "verify": frozenset({"verify"}),
    "answer": frozenset({"answer-supervision"}),
}


@dataclass(frozen=True)
class NoticeRule:
    """What one kind of notice does: the card it gives the clock (if any), the
    timeline's step code, and the line's text (``{stage}`` and ``{due}`` filled in)."""

    card: str | None
    step: str
    what_zh: str


NOTICES: dict[str, NoticeRule] = {
    WARNED: NoticeRule(None, "clock-warned", "{stage}期限将至：{due}到期"),
    YELLOW_CARD: NoticeRule(YELLOW, "yellow-card", "黄牌：{stage}超过期限（{due}到期）"),
    RED_CARD: NoticeRule(RED, "red-card", "红牌：{stage}严重超期（{due}到期），应予督办"),
}


@dataclass(frozen=True)
class ClockNotice:
    """One notice of a clock, as read from escalation's event."""

    notice: str
    clock_id: str
    case_id: str
    stage: str
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    fired_at: datetime
    handler_id: str | None = None


@dataclass(frozen=True)
class ClockState:
    """What mediation knows of one clock: its limits, the notices heard (by kind, with
    the time each fired) and its card."""

    clock_id: str
    case_id: str
    stage: str
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    card: str | None = None
    card_at: datetime | None = None
    notices: dict[str, datetime] = field(default_factory=dict)


def fold(state: ClockState | None, notice: ClockNotice) -> tuple[ClockState, bool]:
    """The clock after ``notice``, and whether the notice is news (a replay or a
    duplicate changes nothing). A card never goes down: red stays red."""
    if state is not None and notice.notice in state.notices:
        return state, False
    rule = NOTICES[notice.notice]
    base = state or ClockState(
        notice.clock_id,
        notice.case_id,
        notice.stage,
        notice.due_at,
        notice.yellow_at,
        notice.red_at,
    )
    card, card_at = base.card, base.card_at
    if rule.card is not None and _RANK[rule.card] > _RANK[card]:
        card, card_at = rule.card, notice.fired_at
    return (
        replace(
            base,
            due_at=notice.due_at,
            yellow_at=notice.yellow_at,
            red_at=notice.red_at,
            card=card,
            card_at=card_at,
            notices={**base.notices, notice.notice: notice.fired_at},
        ),
        True,
    )


def timeline_line(notice: ClockNotice) -> tuple[str, str]:
    """The timeline's step code and line for a notice (China time)."""
    rule = NOTICES[notice.notice]
    due = notice.due_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    stage = STAGE_LABELS_ZH.get(notice.stage, notice.stage)
    return rule.step, rule.what_zh.format(stage=stage, due=due)


@dataclass(frozen=True)
class CaseCard:
    """The card a case carries: the worst any of its clocks got, with its stage and
    when it was issued (the latest of equal ones)."""

    card: str
    stage: str
    at: datetime


def case_card(clocks: Iterable[ClockState]) -> CaseCard | None:
    best: CaseCard | None = None
    for clock in clocks:
        if clock.card is None or clock.card_at is None:
            continue
        mine = CaseCard(clock.card, clock.stage, clock.card_at)
        if (
            best is None
            or _RANK[mine.card] > _RANK[best.card]
            or (mine.card == best.card and mine.at > best.at)
        ):
            best = mine
    return best


def card_for_action(clocks: Iterable[ClockState], action: str) -> ClockState | None:
    """The clock that times ``action`` (what the case waits for now), if escalation has
    told of one: its due time stands for the action's deadline, and a card on it makes
    the item overdue. A card from an earlier stage does not."""
    timing = [c for c in clocks if action in STAGE_ACTIONS.get(c.stage, frozenset())]
    if not timing:
        return None
    return max(timing, key=lambda c: (_RANK[c.card], c.due_at))


__all__ = [
    "CARDS",
    "NOTICES",
    "RED",
    "YELLOW",
    "CaseCard",
    "ClockNotice",
    "ClockState",
    "NoticeRule",
    "card_for_action",
    "case_card",
    "fold",
    "timeline_line",
]
