"""Working days follow the published holiday schedule, not weekday arithmetic; clocks
plan, pause, resume and move by it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.escalation.domain import clocks
from services.escalation.domain.clocks import BEIJING
from services.escalation.domain.limits import (
    CRIMINAL_RISK,
    NORMAL,
    LimitTable,
    StageLimit,
    seed_rows,
)
from shared.working_calendar import (
    CalendarGap,
    CalendarInvalid,
    WorkingCalendar,
    read_year,
)

CAL = WorkingCalendar.load()
LIMITS = LimitTable(seed_rows())


def limit(
    stage: str, category: str = "市容环境", level: str = "grid", risk: str = NORMAL
) -> StageLimit:
    return LIMITS.find(category, level, risk, stage).limit


def test_a_makeup_saturday_is_a_working_day_and_a_holiday_weekday_is_not() -> None:
    assert CAL.is_working_day(date(2026, 2, 14))  # Saturday, worked for 春节
    assert not CAL.is_working_day(date(2026, 2, 16))  # Monday in the 春节 holiday
    assert not CAL.is_working_day(date(2026, 11, 21))  # an ordinary Saturday
    assert CAL.is_working_day(date(2026, 11, 23))  # an ordinary Monday


def test_adding_working_days_skips_the_national_day_week_and_counts_the_makeup_day() -> None:
    # Tue 29 Sep 2026 + 2 working days: Wed 30 Sep, then 1–7 Oct are holidays,
    # Thu 8 and Fri 9 are working days, Sat 10 Oct is a make-up working day.
    assert CAL.add_working_days(date(2026, 9, 29), 2) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 29), 4) == date(2026, 10, 10)
    assert CAL.working_days_between(date(2026, 9, 29), date(2026, 10, 10)) == 4
    assert CAL.working_day_before(date(2026, 10, 10), 2) == date(2026, 10, 8)


def test_a_year_without_data_is_refused_rather_than_guessed() -> None:
    with pytest.raises(CalendarGap):
        CAL.is_working_day(date(2031, 3, 3))


def test_the_2027_schedule_is_marked_provisional_until_the_state_council_publishes_it() -> None:
    year = CAL.year(2027)
    assert year is not None and year.provisional
    assert not CAL.year(2026).provisional  # type: ignore[union-attr]


def test_a_year_file_is_checked_field_by_field() -> None:
    with pytest.raises(CalendarInvalid) as refused:
        read_year(
            {
                "year": 2028,
                "holidays": ["2028-01-01", "2027-12-31", "not a date"],
                "makeup_workdays": ["2028-01-03", "2028-01-01"],  # a Monday; a holiday
            }
        )
    fields = [field for field, _, _ in refused.value.problems]
    assert fields == ["holidays/1", "holidays/2", "makeup_workdays/0", "makeup_workdays"]


def test_spring_festival_pushes_an_accept_deadline_past_the_holiday() -> None:
    started = datetime(2026, 2, 13, 9, 0, tzinfo=BEIJING)  # Friday before 春节
    _, plan = clocks.plan(CAL, limit("accept"), started)
    # Next working day after Fri 13 Feb is the make-up Saturday 14 Feb.
    assert plan.due_at == datetime(2026, 2, 14, 18, 0, tzinfo=BEIJING)
    # Two working days: 14 Feb, then 24 Feb (15–23 are the holiday).
    assert plan.yellow_at.date() == date(2026, 2, 24)
    assert started < plan.due_at <= plan.yellow_at < plan.red_at
    # Warned one working day before the due time: the end of the day it started.
    assert plan.warn_at == datetime(2026, 2, 13, 18, 0, tzinfo=BEIJING)


def test_an_emergency_category_has_a_tighter_clock_than_the_default() -> None:
    started = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday morning in Beijing
    _, emergency = clocks.plan(CAL, limit("handle", "突发事件"), started)
    _, ordinary = clocks.plan(CAL, limit("handle"), started)
    assert emergency.due_at < ordinary.due_at
    assert emergency.due_at.date() == date(2026, 11, 24)


def test_a_min_zhuan_xing_case_gets_its_own_shorter_row_before_any_category_row() -> None:
    """People's Mediation Law art. 25: a dispute that may turn criminal is urgent."""
    risky = LIMITS.find("突发事件", "grid", CRIMINAL_RISK, "accept")
    assert risky.key.risk == CRIMINAL_RISK
    assert risky.limit.red < limit("accept").red


def test_a_street_handles_to_its_own_row_and_a_grid_falls_back_to_any_level() -> None:
    assert LIMITS.find("市容环境", "street", NORMAL, "handle").key.level == "street"
    assert LIMITS.find("市容环境", "grid", NORMAL, "handle").key.level == "any"


def test_the_mediation_month_is_an_outer_bound_a_shorter_row_comes_first() -> None:
    """MoJ 2002 art. 33: one month; a district's 30 days never pass it (February), and a
    民转刑 row's 10 days apply first."""
    accepted = datetime(2026, 2, 2, 10, 0, tzinfo=BEIJING)
    month = datetime(2026, 3, 2, 0, 0, tzinfo=BEIJING)  # mediation's one month: 28 days
    basis, normal = clocks.plan(CAL, limit("mediate"), accepted, named_due=month, cap=True)
    assert normal.due_at == month and basis.fixed
    assert normal.yellow_at == month + timedelta(days=5)
    _, risky = clocks.plan(
        CAL, limit("mediate", risk=CRIMINAL_RISK), accepted, named_due=month, cap=True
    )
    assert risky.due_at == datetime(2026, 2, 13, 0, 0, tzinfo=BEIJING)


def test_the_confirmation_window_counts_thirty_calendar_days_through_holidays() -> None:
    """People's Mediation Law art. 33: 30 days from the agreement taking effect."""
    effective = datetime(2026, 9, 20, 10, 0, tzinfo=BEIJING)  # National Day inside
    _, window = clocks.plan(CAL, limit("confirm"), effective)
    assert window.due_at == datetime(2026, 10, 21, 0, 0, tzinfo=BEIJING)
    assert window.warn_at == window.due_at - timedelta(days=7)


def test_an_extension_moves_the_due_time_and_the_cards_with_it() -> None:
    accepted = datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
    basis, current = clocks.plan(CAL, limit("mediate"), accepted)
    later = current.due_at + timedelta(days=15)
    moved_basis, moved = clocks.extend(basis, current, later)
    assert moved.due_at == later
    assert moved.red_at - moved.yellow_at == current.red_at - current.yellow_at
    assert moved_basis.fixed


def test_a_pause_records_what_is_left_and_a_resume_does_not_count_the_working_days_paused() -> None:
    started = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)  # Monday
    basis, plan = clocks.plan(CAL, limit("handle"), started)
    paused_at = datetime(2026, 11, 25, 12, 0, tzinfo=BEIJING)  # Wednesday
    left = clocks.remaining(CAL, basis, plan.due_at, paused_at)
    assert left.until_due == plan.due_at - paused_at
    assert left.working_days == 15 - 2
    resumed_at = datetime(2026, 11, 30, 9, 0, tzinfo=BEIJING)  # next Monday: Thu, Fri, Mon
    moved_basis, moved = clocks.resume(CAL, basis, started, plan, paused_at, resumed_at)
    assert moved_basis.paused_days == 3
    assert CAL.working_days_between(plan.due_at.date(), moved.due_at.date()) == 3
    assert clocks.remaining(CAL, moved_basis, moved.due_at, resumed_at).working_days == 13


def test_a_calendar_day_clock_resumes_shifted_by_the_time_paused() -> None:
    effective = datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
    basis, plan = clocks.plan(CAL, limit("confirm"), effective)
    paused_at = effective + timedelta(days=3)
    _, moved = clocks.resume(
        CAL, basis, effective, plan, paused_at, paused_at + timedelta(hours=50)
    )
    assert moved == plan.shifted(timedelta(hours=50))


def test_a_holiday_added_moves_a_working_day_deadline_and_a_makeup_saturday_counts() -> None:
    started = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)  # Monday
    basis, plan = clocks.plan(CAL, limit("verify"), started)  # 3 working days: Thursday
    assert plan.due_at.date() == date(2026, 11, 26)
    year = CAL.year(2026)
    assert year is not None
    holiday = WorkingCalendar.load().with_year(
        replace(year, holidays=year.holidays | {date(2026, 11, 25)})
    )
    moved = clocks.recompute(holiday, basis, started, plan)
    assert moved.due_at.date() == date(2026, 11, 27)
    makeup = WorkingCalendar.load().with_year(
        replace(year, makeup_workdays=year.makeup_workdays | {date(2026, 11, 28)})
    )
    # Thursday 26 + 3 working days with Saturday 28 worked: Fri 27, Sat 28, Mon 30.
    _, handle = clocks.plan(makeup, limit("verify"), datetime(2026, 11, 26, 9, tzinfo=BEIJING))
    assert handle.due_at.date() == date(2026, 11, 30)
    _, without = clocks.plan(CAL, limit("verify"), datetime(2026, 11, 26, 9, tzinfo=BEIJING))
    assert without.due_at.date() == date(2026, 12, 1)
