"""Escalation's extensions (延期), supervision (督办) and escalations up the tree, as the
case's timeline says them in Chinese (DOMAIN.md "Time limits and supervision")."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.mediation.domain import cycle_notices as cn

CN = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 7, 15, 0, tzinfo=CN)
DUE = datetime(2026, 12, 11, 18, 0, tzinfo=CN)


def test_an_extension_request_names_the_stage_the_days_and_the_reason_code_in_chinese() -> None:
    notice = cn.extension_requested("c", AT, "handle", 3, "expert_assessment", DUE)
    assert notice.line.step == "extension-requested" and notice.effect is None
    assert notice.line.what == (
        "申请延期：办理延长3个工作日（等待鉴定、勘验或专家意见），原期限2026-12-11 18:00"
    )


def test_an_approved_extension_moves_the_clock_and_a_refused_one_does_not() -> None:
    moved = cn.ClockMoved("k", DUE, DUE + timedelta(days=3), DUE + timedelta(days=5))
    approved = cn.extension_decided(
        "c", AT, approved=True, stage="handle", requested=3, granted=2, moved=moved
    )
    assert approved.effect == moved
    assert approved.line.what == "延期获批：办理延长2个工作日（申请3个），新期限2026-12-11 18:00"
    refused = cn.extension_decided(
        "c", AT, approved=False, stage="accept", requested=3, granted=0, moved=moved
    )
    assert refused.effect is None and refused.line.what.startswith("延期未获批准：受理")


def test_a_supervision_waits_for_the_answer_until_answered_or_withdrawn() -> None:
    opened = cn.SupervisionOpened("s", "c", "red_card", "md-1", DUE, AT)
    issued = cn.supervision_issued(opened, by_policy=True)
    assert issued.effect == opened
    assert issued.line.what == "红牌督办（红牌自动督办）：请承办人于2026-12-11 18:00前回复"
    answered = cn.supervision_answered("c", "s", AT, on_time=False)
    assert answered.effect == cn.SupervisionClosed("s", cn.ANSWERED)
    assert answered.line.what == "督办已回复（逾期）"
    assert cn.supervision_cancelled("c", "s", AT).effect == cn.SupervisionClosed("s", cn.CANCELLED)
    overdue = cn.supervision_answer_overdue("c", "s", AT, DUE)
    assert overdue.effect == cn.SupervisionOverdue("s")


def test_an_escalation_up_the_tree_keeps_the_first_receiver_on_the_case() -> None:
    """首接负责: the first receiver stays responsible (DOMAIN.md)."""
    notice = cn.case_escalated(
        "c",
        AT,
        reason="red_card",
        from_level="community",
        from_unit="451102001001",
        to_level="street",
        to_unit="451102001",
    )
    assert notice.line.step == "case-escalated"
    assert notice.line.what == (
        "自动上报（红牌）：社区 451102001001 → 街道 451102001，首接责任人仍在办"
    )
