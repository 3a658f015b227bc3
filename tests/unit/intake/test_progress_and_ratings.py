"""Intake's case progress (folded from the case stream) and the rules of a rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.progress import (
    Progress,
    assigned,
    has_result,
    next_deadline,
    state_label,
    stepped,
)
from services.intake.domain.ratings import RatingRefused, check_rateable

T0 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
MONTH = T0 + timedelta(days=31)


def step(current: Progress | None, state: str, at: datetime, **kw: object) -> Progress:
    fields: dict[str, object] = {
        "kind": "dispute",
        "state": state,
        "unit_code": "451102001001",
        "due_at": MONTH,
        "occurred_at": at,
    }
    fields.update(kw)
    return stepped(current, "c1", **fields)  # type: ignore[arg-type]


def test_the_assignment_names_the_unit_and_a_step_keeps_the_name_at_the_same_unit() -> None:
    p = assigned(None, "c1", "451102001001", "东融社区")
    p = step(p, "in_mediation", T0)
    assert (p.state, p.unit_code, p.unit_name, p.due_at) == (
        "in_mediation",
        "451102001001",
        "东融社区",
        MONTH,
    )
    assert state_label(p.kind, p.state) == "调解中"


def test_a_step_at_another_unit_forgets_the_assignments_name() -> None:
    p = assigned(None, "c1", "451102001001002", "第2网格")
    p = step(p, "handling", T0, kind="report", unit_code="451102001001")
    assert (p.unit_code, p.unit_name) == ("451102001001", None)


def test_a_step_replayed_out_of_order_changes_nothing() -> None:
    later = step(None, "agreement_effective", T0 + timedelta(hours=2))
    assert step(later, "in_mediation", T0) == later


@pytest.mark.parametrize(
    ("kind", "state", "result"),
    [
        # People's Mediation Law: closed (结案), archived (art. 27), terminated (art. 26).
        ("dispute", "closed", True),
        ("dispute", "archived", True),
        ("dispute", "terminated", True),
        ("dispute", "agreement_effective", False),
        ("dispute", "in_mediation", False),
        # Situation reports: 结案 after 验证.
        ("report", "closed", True),
        ("report", "verified", False),
        ("report", "awaiting_verification", False),
        (None, None, False),
    ],
)
def test_which_states_are_a_result(kind: str | None, state: str | None, result: bool) -> None:
    assert has_result(kind, state) is result


def test_an_unknown_state_of_a_new_step_shows_as_in_hand() -> None:
    assert state_label("report", "something_new") == "办理中"


def test_the_next_deadline_is_the_response_time_then_the_procedures_limit_then_none() -> None:
    assert next_deadline(None, T0, 168) == T0 + timedelta(hours=168)
    assert next_deadline(None, T0, None) is None
    working = step(None, "in_mediation", T0)
    assert next_deadline(working, T0, 168) == MONTH
    assert next_deadline(step(working, "closed", T0 + timedelta(days=3)), T0, 168) is None


def test_a_case_without_a_result_is_not_rated() -> None:
    with pytest.raises(RatingRefused) as refused:
        check_rateable(step(None, "agreement_effective", T0), already_rated=False)
    assert refused.value.code == "no-result"
    with pytest.raises(RatingRefused):
        check_rateable(None, already_rated=False)


def test_a_result_is_rated_once() -> None:
    closed = step(None, "closed", T0)
    check_rateable(closed, already_rated=False)
    with pytest.raises(RatingRefused) as refused:
        check_rateable(closed, already_rated=True)
    assert refused.value.code == "already-rated"
