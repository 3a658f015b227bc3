"""Working days follow the published holiday schedule, not weekday arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.escalation.domain.calendar import CalendarGap, WorkingCalendar
from services.escalation.domain.clocks import BEIJING, load_limits, plan_clock

CAL = WorkingCalendar.load()


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


def test_a_year_without_data_is_refused_rather_than_guessed() -> None:
    with pytest.raises(CalendarGap):
        CAL.is_working_day(date(2031, 3, 3))


def test_spring_festival_pushes_an_accept_deadline_past_the_holiday() -> None:
    limits = load_limits()
    started = datetime(2026, 2, 13, 9, 0, tzinfo=BEIJING)  # Friday before 春节
    plan = plan_clock(CAL, limits, "市容环境", "accept", started)
    # Next working day after Fri 13 Feb is the make-up Saturday 14 Feb.
    assert plan.due_at.date() == date(2026, 2, 14)
    # Two working days: 14 Feb, then 24 Feb (15–23 are the holiday).
    assert plan.yellow_at.date() == date(2026, 2, 24)
    assert plan.started_at < plan.due_at <= plan.yellow_at <= plan.red_at


def test_an_emergency_category_has_a_tighter_clock_than_the_default() -> None:
    limits = load_limits()
    started = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday morning in Beijing
    emergency = plan_clock(CAL, limits, "突发事件", "handle", started)
    ordinary = plan_clock(CAL, limits, "市容环境", "handle", started)
    assert emergency.due_at < ordinary.due_at
    assert emergency.due_at.date() == date(2026, 11, 24)
