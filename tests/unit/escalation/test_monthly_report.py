"""The monthly report's rules (seed 001 月报告; DOMAIN.md "Rates, written down" and "Risk")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.escalation.domain.monthly_report import (
    Figures,
    MonthlyReport,
    ReportRow,
    SubmissionRefused,
    TimeLimitRates,
    assemble,
    band_of,
    check_decision,
    check_submit,
    join_time_limits,
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


# --- the time-limit rates' columns (DOMAIN.md "Rates, written down"; domain/rates.py) ---

GRID_1, GRID_2 = "451102001001001", "451102001002001"


def _row(area: str, limits: TimeLimitRates, level: str = "community") -> ReportRow:
    return ReportRow(area, "邻里纠纷", level, Figures(), Figures(), Figures(), time_limits=limits)


def test_time_limit_rates_are_their_counts_ratios_and_none_without_a_denominator() -> None:
    """响应率 = in time / due; 解决率 and 按期结案率 over due to close; 满意率 = satisfied /
    rated; with nothing counted there is no rate, never 100 % (domain/rates.py)."""
    limits = TimeLimitRates(
        due_to_respond=4,
        responded_in_time=3,
        due_to_close=972,
        resolved=911,
        closed_on_time=737,
        rated=2,
        satisfied=1,
    )
    assert limits.response_rate == 0.75
    assert limits.resolution_rate == pytest.approx(0.9372, abs=1e-4)  # a city's 911 / 972
    assert limits.on_time_closure_rate == pytest.approx(0.7582, abs=1e-4)  # its 737 / 972
    assert limits.satisfaction_rate == 0.5
    empty = TimeLimitRates()
    assert (empty.response_rate, empty.resolution_rate, empty.satisfaction_rate) == (None,) * 3
    assert empty.on_time_closure_rate is None


def test_rolled_up_rates_come_from_summed_counts_never_from_averaged_rates() -> None:
    """Grid 1 answered 1 of 1 in time (100 %), grid 2 1 of 3 (33 %): the community's
    响应率 is 2 / 4 = 50 %, not the mean of the two rates (67 %)."""
    rows = [
        _row(GRID_1, TimeLimitRates(due_to_respond=1, responded_in_time=1, rated=1, satisfied=1)),
        _row("451102001001002", TimeLimitRates(due_to_respond=3, responded_in_time=1, rated=1)),
    ]
    [community] = rollup(rows, 12, "live")
    assert community.time_limits == TimeLimitRates(
        due_to_respond=4, responded_in_time=2, rated=2, satisfied=1
    )
    assert community.time_limits.response_rate == 0.5
    assert community.time_limits.satisfaction_rate == 0.5


def test_rates_roll_up_by_area_category_and_level_separately() -> None:
    at_community = TimeLimitRates(due_to_close=2, resolved=1, closed_on_time=2)
    at_street = TimeLimitRates(due_to_close=1)
    rows = [_row(GRID_1, at_community), _row(GRID_2, at_street, "street")]
    merged = rollup(rows, 9, "live")
    assert [(r.area_code, r.level, r.time_limits) for r in merged] == [
        ("451102001", "community", at_community),
        ("451102001", "street", at_street),
    ]


def test_an_accepted_child_brings_the_rates_of_its_snapshot_not_the_live_ones() -> None:
    """汇总再统一上报 (seed 001): the street counts the community's time-limit rates as it
    accepted them, like its counts; a community not accepted yet shows its live ones."""
    as_accepted = TimeLimitRates(due_to_respond=2, responded_in_time=2)
    snapshot = [row_to_dict(_row(GRID_1, as_accepted))]
    accepted = {"451102001001": [row_from_dict(r, "accepted") for r in snapshot]}
    live = [
        _row(GRID_1, TimeLimitRates(due_to_respond=5)),  # changed since: not shown
        _row(GRID_2, TimeLimitRates(due_to_respond=1)),
    ]
    rows = assemble(live, accepted, 12)
    assert [(r.area_code, r.source, r.time_limits.due_to_respond) for r in rows] == [
        ("451102001001", "accepted", 2),
        ("451102001002", "live", 1),
    ]
    assert rows[0].time_limits.response_rate == 1.0


def test_a_snapshot_from_before_the_rates_reads_as_zero_counts() -> None:
    old = row_to_dict(_row(GRID_1, TimeLimitRates()))
    del old["time_limits"]
    assert row_from_dict(old, "accepted").time_limits == TimeLimitRates()


def test_time_limits_join_their_rows_and_a_key_without_counts_gets_a_row() -> None:
    """A dispute whose limit fell due this month may have been found in another year:
    its rates still show, on a row of their own, and rows stay sorted by key."""
    counted = ReportRow(GRID_2, "邻里纠纷", "community", Figures(accepted=1), Figures(), Figures())
    returns = ReportRow(GRID_2, "", "grid", Figures(returns=1), Figures(), Figures())
    limits = {
        (GRID_2, "邻里纠纷", "community"): TimeLimitRates(due_to_respond=1),
        (GRID_1, "家事纠纷", "street"): TimeLimitRates(due_to_close=1, closed_on_time=1),
    }
    rows = join_time_limits([counted, returns], limits)
    assert [(r.key, r.month.accepted, r.time_limits) for r in rows] == [
        ((GRID_1, "家事纠纷", "street"), 0, TimeLimitRates(due_to_close=1, closed_on_time=1)),
        ((GRID_2, "", "grid"), 0, TimeLimitRates()),
        ((GRID_2, "邻里纠纷", "community"), 1, TimeLimitRates(due_to_respond=1)),
    ]


def test_the_totals_line_sums_every_rows_time_limit_counts() -> None:
    rows = [
        _row(GRID_1, TimeLimitRates(due_to_close=3, resolved=1, closed_on_time=3)),
        _row(GRID_2, TimeLimitRates(due_to_close=1, resolved=1)),
    ]
    report = MonthlyReport(
        unit_code="451102001001",
        unit_name="东融社区",
        level="community",
        month="2026-12",
        rows=rows,
        status=None,
        version=None,
        deadline=datetime(2027, 1, 3, 18, 0, tzinfo=SHANGHAI),
        late=None,
        return_reason=None,
        children=[],
    )
    totals = report.time_limit_totals
    assert (totals.due_to_close, totals.resolved, totals.closed_on_time) == (4, 2, 3)
    assert (totals.resolution_rate, totals.on_time_closure_rate) == (0.5, 0.75)
