"""The monthly report's rules (seed 001 月报告; DOMAIN.md "Rates, written down" and "Risk")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.escalation.domain.monthly_report import (
    Figures,
    ReportRow,
    SubmissionRefused,
    assemble,
    band_of,
    check_decision,
    check_submit,
    load_policies,
    may_decide_for,
    month_of,
    month_of_period_key,
    months_back,
    policy_for,
    previous_month,
    rollup,
    row_from_dict,
    row_to_dict,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("people", "band"),
    [
        (None, None),
        (2, "lt50"),
        (49, "lt50"),
        (50, "b50_100"),
        (100, "b50_100"),
        (101, "b100_500"),
        (500, "b100_500"),
        (501, "gt500"),
    ],
)
def test_people_bands_follow_the_report_practice_lt50_50_100_100_500_gt500(
    people: int | None, band: str | None
) -> None:
    assert band_of(people) == band


def test_success_rate_is_succeeded_over_accepted_as_the_published_6217_of_6368() -> None:
    figures = Figures(accepted=6368, succeeded=6217)
    assert figures.success_rate == pytest.approx(0.9763, abs=1e-4)


def test_mediation_rate_is_mediated_over_screened_and_none_without_a_denominator() -> None:
    assert Figures(screened=8, mediated=6).mediation_rate == 0.75
    assert Figures(mediated=3).mediation_rate is None
    assert Figures().success_rate is None


def test_months_are_counted_in_the_districts_zone() -> None:
    # 2026-11-30 20:00 UTC is already December in Shanghai.
    assert month_of(datetime(2026, 11, 30, 20, 0, tzinfo=ZoneInfo("UTC")), SHANGHAI) == "2026-12"
    assert month_of_period_key("451102:2026-12-16") == "2026-12"
    assert previous_month("2027-01") == "2026-12"
    assert months_back("2027-02", 3) == ["2026-12", "2027-01", "2027-02"]


def test_the_deadline_is_a_day_of_the_following_month_as_data_per_district() -> None:
    policy = policy_for("451102001001", load_policies())
    assert policy.deadline("community", "2026-12") == datetime(2027, 1, 3, 18, 0, tzinfo=SHANGHAI)
    assert policy.deadline("street", "2026-12").day == 5


def test_major_disputes_by_people_involved_or_a_signal_from_the_data() -> None:
    policy = policy_for("999999", load_policies())  # the default entry
    assert policy.is_major(50, [])
    assert not policy.is_major(49, [])
    assert policy.is_major(3, ["群体性"])


def test_a_street_report_aggregates_what_it_accepted_and_shows_the_rest_live() -> None:
    """汇总再统一上报 (seed 001): an accepted community counts as it was accepted."""
    one = Figures(screened=1, accepted=1)
    live = [
        ReportRow("451102001001001", "邻里纠纷", "grid", one + one, one, Figures()),
        ReportRow("451102001002001", "邻里纠纷", "grid", one, one, Figures()),
    ]
    accepted = {"451102001001": [ReportRow("451102001001001", "邻里纠纷", "grid", one, one, one)]}
    rows = assemble(live, accepted, 12)
    assert [(r.area_code, r.source, r.month.screened) for r in rows] == [
        ("451102001001", "accepted", 1),
        ("451102001002", "live", 1),
    ]


def test_rows_round_trip_through_a_snapshot_and_roll_up_by_code_prefix() -> None:
    row = ReportRow(
        "451102001001001", "家事纠纷", "community", Figures(screened=2), Figures(), Figures()
    )
    assert row_from_dict(row_to_dict(row), "accepted").month == row.month
    merged = rollup([row, row], 9, "live")
    assert len(merged) == 1 and merged[0].area_code == "451102001" and merged[0].month.screened == 4


def test_an_accepted_report_is_final_and_a_submitted_one_waits_for_the_answer() -> None:
    check_submit(None, "community")
    check_submit("returned", "community")
    for status in ("submitted", "accepted"):
        with pytest.raises(SubmissionRefused):
            check_submit(status, "community")
    with pytest.raises(SubmissionRefused):
        check_submit(None, "grid")
    with pytest.raises(SubmissionRefused):
        check_decision("returned")


def test_only_the_level_above_accepts_or_returns() -> None:
    assert may_decide_for(["451102001"], "451102001001")
    assert may_decide_for(["451102"], "451102001001")
    assert not may_decide_for(["451102001001"], "451102001001")
    assert not may_decide_for(["451102002"], "451102001001")
    assert not may_decide_for(["451102"], "451102")
