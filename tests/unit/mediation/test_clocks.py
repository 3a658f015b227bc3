"""Escalation's clock notices folded into mediation's view (DOMAIN.md "Time limits and
supervision": a warning before the due time, a yellow card past it, a red card and
supervision (督办) past the red limit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.mediation.domain.clocks import (
    NOTICES,
    RED,
    RED_CARD,
    STAGE_ACTIONS,
    WARNED,
    YELLOW,
    YELLOW_CARD,
    ClockNotice,
    card_for_action,
    case_card,
    fold,
    timeline_line,
)

CN = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 12, 3, 18, 0, tzinfo=CN)


def notice(kind: str, *, clock: str = "c1", stage: str = "accept", hours: float = 0) -> ClockNotice:
    return ClockNotice(
        kind,
        clock,
        "case-1",
        stage,
        DUE,
        DUE + timedelta(days=1),
        DUE + timedelta(days=4),
        DUE + timedelta(hours=hours),
    )


def test_yellow_then_red_leaves_the_clock_red_and_a_replayed_yellow_changes_nothing() -> None:
    state, news = fold(None, notice(WARNED, hours=-4))
    assert news and state.card is None and set(state.notices) == {WARNED}
    state, news = fold(state, notice(YELLOW_CARD, hours=24))
    assert news and (state.card, state.card_at) == (YELLOW, DUE + timedelta(hours=24))
    state, _ = fold(state, notice(RED_CARD, hours=96))
    assert (state.card, state.card_at) == (RED, DUE + timedelta(hours=96))
    # Redelivered out of order: the yellow card was heard already, nothing changes.
    again, news = fold(state, notice(YELLOW_CARD, hours=24))
    assert not news and again == state


def test_a_red_card_heard_before_its_yellow_keeps_red_and_records_both() -> None:
    state, _ = fold(None, notice(RED_CARD, hours=96))
    state, news = fold(state, notice(YELLOW_CARD, hours=24))
    assert news and state.card == RED and set(state.notices) == {RED_CARD, YELLOW_CARD}


def test_the_timeline_line_names_the_stage_and_the_due_time_in_china_time() -> None:
    assert timeline_line(notice(YELLOW_CARD)) == (
        "yellow-card",
        "黄牌：受理超过期限（2026-12-03 18:00到期）",
    )
    step, what = timeline_line(notice(RED_CARD, stage="handle"))
    assert step == "red-card" and what.startswith("红牌：办理") and "督办" in what
    assert {r.step for r in NOTICES.values()} == {"clock-warned", "yellow-card", "red-card"}


def test_a_case_carries_the_worst_card_of_its_clocks_with_its_stage() -> None:
    accept, _ = fold(None, notice(RED_CARD, clock="a", stage="accept", hours=96))
    mediate, _ = fold(None, notice(YELLOW_CARD, clock="m", stage="mediate", hours=200))
    quiet, _ = fold(None, notice(WARNED, clock="q", stage="follow_up"))
    card = case_card([mediate, accept, quiet])
    assert card is not None and (card.card, card.stage) == (RED, "accept")
    assert case_card([quiet]) is None


def test_only_the_clock_of_what_the_case_waits_for_now_times_my_work() -> None:
    """A card from acceptance does not make mediation overdue; mediation's own does."""
    accept, _ = fold(None, notice(RED_CARD, clock="a", stage="accept"))
    mediate, _ = fold(None, notice(WARNED, clock="m", stage="mediate"))
    assert card_for_action([accept, mediate], "signatures") == mediate
    assert card_for_action([accept, mediate], "accept") == accept
    assert card_for_action([accept], "verify") is None
    assert set().union(*STAGE_ACTIONS.values()) <= {
        "accept",
        "mediate",
        "signatures",
        "confirmation-window",
        "follow-up",
        "handle",
        "verify",
        "answer-supervision",
    }
