"""Extensions (延期) and supervision (督办) rules, pure: requests checked field by field,
a clock moved by working days across a holiday, who stands above a unit, the district
policy as data, answer due times and month bounds (DOMAIN.md "Time limits and
supervision")."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.escalation.domain import extensions, supervision
from services.escalation.domain.authority import is_above, parent_of
from services.escalation.domain.clocks import BEIJING, Basis, Deadlines
from services.escalation.domain.limits import STAGES
from services.escalation.domain.pauses import validate_pause
from shared.working_calendar import WorkingCalendar

CAL = WorkingCalendar.load()


def at(y: int, m: int, d: int, h: int = 18) -> datetime:
    return datetime(y, m, d, h, tzinfo=BEIJING)


def codes(exc: pytest.ExceptionInfo[extensions.ExtensionInvalid]) -> list[tuple[str, str]]:
    return [(field, code) for field, code, _, _ in exc.value.problems]


def test_a_request_is_whole_working_days_1_to_99_with_a_reason_code_and_words() -> None:
    with pytest.raises(extensions.ExtensionInvalid) as bad:
        extensions.validate_request(
            {"stage": "x", "days": True, "reason": "bored", "reason_text": " "}, STAGES
        )
    assert codes(bad) == [
        ("stage", "stage"),
        ("days", "whole_days"),
        ("reason", "reason"),
        ("reason_text", "required"),
    ]
    with pytest.raises(extensions.ExtensionInvalid) as big:
        extensions.validate_request(
            {"stage": "handle", "days": 100, "reason": "other", "reason_text": "x"}, STAGES
        )
    assert codes(big) == [("days", "range")]
    ok = extensions.validate_request(
        {"stage": "handle", "days": 3, "reason": "complex_facts", "reason_text": " 需补充调查 "},
        STAGES,
    )
    assert ok == extensions.ExtensionRequest("handle", 3, "complex_facts", "需补充调查")


def test_approval_grants_at_most_the_days_asked_and_a_refusal_needs_words() -> None:
    assert extensions.validate_decision({"decision": "approved"}, 3).days == 3
    assert extensions.validate_decision({"decision": "approved", "days": 2}, 3).days == 2
    with pytest.raises(extensions.ExtensionInvalid) as more:
        extensions.validate_decision({"decision": "approved", "days": 4}, 3)
    assert codes(more) == [("days", "range")]
    with pytest.raises(extensions.ExtensionInvalid) as silent:
        extensions.validate_decision({"decision": "refused"}, 3)
    assert codes(silent) == [("note", "required")]
    refused = extensions.validate_decision({"decision": "refused", "note": "理由不足"}, 3)
    assert (refused.approved, refused.days) == (False, 0)


def test_an_extension_moves_every_deadline_by_working_days_across_the_national_day() -> None:
    """2026 calendar file: 1–7 October are holidays; Saturday 10 October is worked (调休)."""
    current = Deadlines(at(2026, 9, 30), at(2026, 10, 9), at(2026, 10, 12), at(2026, 9, 29))
    basis = Basis("working", date(2026, 9, 1), 21, 26, 27, 1)
    moved_basis, moved = extensions.extended(CAL, basis, current, 2)
    assert moved.due_at == at(2026, 10, 9)  # the holiday does not count
    assert (moved.warn_at, moved.yellow_at, moved.red_at) == (
        at(2026, 10, 8),
        at(2026, 10, 12),  # 9 Oct + 2: Saturday 10 (worked), Monday 12
        at(2026, 10, 14),
    )
    assert moved_basis is not None and moved_basis.fixed


def test_the_level_above_is_a_proper_prefix_of_the_unit_code() -> None:
    assert is_above(["451102001"], "451102001001")
    assert is_above(["451102"], "451102001001")
    assert not is_above(["451102001001"], "451102001001")  # its own unit
    assert not is_above(["451102002"], "451102001001")  # a neighbouring street
    assert not is_above(["4511%"], "451102001001")
    assert not is_above(["451102"], None)
    assert [parent_of(c) for c in ("451102001001002", "451102001001", "451102001", "451102")] == [
        "451102001001",
        "451102001",
        "451102",
        "451102",
    ]


def test_the_policy_is_data_per_district_with_a_default() -> None:
    policy = supervision.parse_policy(
        {
            "default": {
                "answer_due_days": {"normal": 5, "yellow_card": 3, "red_card": 2},
                "deductions": {"normal": 0.5, "yellow_card": 1, "red_card": 2},
                "red_card": {"stages": ["accept"], "answer_due_days": 2},
            },
            "districts": {"110105": {"deductions": {"red_card": 3}, "red_card": {"stages": []}}},
        }
    )
    assert policy.of("451102001001").deductions["red_card"] == 2.0
    chaoyang = policy.of("110105001")
    assert chaoyang.deductions == {"normal": 0.5, "yellow_card": 1.0, "red_card": 3.0}
    assert chaoyang.red_card_stages == frozenset()
    shipped = supervision.load_policy()
    assert "accept" in shipped.of("451102001001").red_card_stages


def test_an_issue_is_checked_field_by_field_and_its_answer_falls_due_at_18_00() -> None:
    with pytest.raises(supervision.SupervisionInvalid) as bad:
        supervision.validate_issue({"level": "orange", "answer_due_days": 31})
    assert codes(bad) == [
        ("level", "level"),
        ("instructions", "required"),
        ("answer_due_days", "range"),
    ]
    # Issued on Wednesday 30 September 2026: the two working days after the holiday are
    # 8 and 9 October; three reach the make-up Saturday, 10 October.
    assert supervision.answer_due(CAL, at(2026, 9, 30, 10), 2) == at(2026, 10, 9)
    assert supervision.answer_due(CAL, at(2026, 9, 30, 10), 3) == at(2026, 10, 10)
    # No calendar for the year yet: calendar days, so a red card never waits for it.
    assert supervision.answer_due(CAL, at(2099, 12, 30, 10), 2) == at(2100, 1, 1)


def test_a_period_is_a_beijing_month() -> None:
    assert supervision.period_bounds("2026-12") == (
        datetime(2026, 12, 1, tzinfo=BEIJING),
        datetime(2027, 1, 1, tzinfo=BEIJING),
    )
    with pytest.raises(supervision.SupervisionInvalid):
        supervision.period_bounds("2026-13")


def test_only_the_mediation_limit_is_paused_by_hand_for_consent() -> None:
    """MoJ 2002 art. 33: the month runs on unless the parties agree to go past it."""
    assert validate_pause("mediate", {}) == "consent_pending"
    with pytest.raises(extensions.ExtensionInvalid) as bad:
        validate_pause("handle", {"reason": "lunch"})
    assert codes(bad) == [("#/path/stage", "stage"), ("reason", "reason")]
