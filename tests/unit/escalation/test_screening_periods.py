"""Screening periods from the cadence data (seed 001: 月排查; DOMAIN.md "The cycle in
practice": half-monthly or monthly, weekly in sensitive periods, returns by a fixed day)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.escalation.domain.screening import (
    Cadence,
    CadenceError,
    current_period,
    load_cadences,
    parse_cadences,
    period_opening_on,
    periods_between,
    receiving_unit,
    series_after,
    task_id,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def district(*schedules: dict[str, Any], **fields: Any) -> Any:
    raw = {"districts": {"451102": {"schedules": list(schedules), **fields}}}
    return parse_cadences(raw)["451102"]


MONTHLY = {"name": "月排查", "cadence": "monthly", "due_day": 25, "from": "2020-01-01"}


def test_seed_001_monthly_screening_opens_on_the_first_and_is_due_on_the_25th() -> None:
    cadence = district(MONTHLY)
    period = period_opening_on(cadence, date(2026, 12, 1))
    assert period is not None
    assert (period.start, period.end, period.cadence) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
        Cadence.MONTHLY,
    )
    assert period.opens_at == datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    assert period.due_at == datetime(2026, 12, 25, 18, 0, tzinfo=SHANGHAI)
    assert period.key == "451102:2026-12-01"
    assert period_opening_on(cadence, date(2026, 12, 2)) is None


def test_monthly_due_day_past_a_short_month_falls_on_its_last_day() -> None:
    cadence = district({**MONTHLY, "due_day": 31})
    period = period_opening_on(cadence, date(2027, 2, 1))
    assert period is not None
    assert period.due_at.date() == date(2027, 2, 28)


def test_domain_half_monthly_periods_start_on_the_1st_and_16th_due_on_the_day_of_the_half() -> None:
    cadence = district({"cadence": "half_monthly", "due_day": 13, "from": "2026-01-01"})
    periods = periods_between(cadence, date(2026, 12, 1), date(2026, 12, 31))
    assert [(p.start, p.end, p.due_at.date()) for p in periods] == [
        (date(2026, 12, 1), date(2026, 12, 16), date(2026, 12, 13)),
        (date(2026, 12, 16), date(2027, 1, 1), date(2026, 12, 28)),
    ]


def test_domain_weekly_periods_start_on_mondays_due_on_the_iso_weekday() -> None:
    cadence = district({"cadence": "weekly", "due_day": 5, "from": "2026-01-01"})
    periods = periods_between(cadence, date(2026, 12, 1), date(2026, 12, 20))
    # 2026-12-07 and 2026-12-14 are Mondays; due Friday.
    assert [(p.start, p.due_at.date()) for p in periods] == [
        (date(2026, 12, 7), date(2026, 12, 11)),
        (date(2026, 12, 14), date(2026, 12, 18)),
    ]
    assert all(p.end - p.start == timedelta(days=7) for p in periods)


def test_domain_a_sensitive_period_screens_weekly_then_the_monthly_cadence_resumes() -> None:
    cadence = district(
        MONTHLY,
        {
            "name": "敏感期",
            "cadence": "weekly",
            "due_day": 5,
            "from": "2026-12-14",
            "until": "2027-01-10",
        },
    )
    periods = periods_between(cadence, date(2026, 12, 1), date(2027, 2, 1))
    assert [(p.schedule, p.start, p.end, p.due_at.date()) for p in periods] == [
        # The month is cut short where the sensitive schedule comes into force.
        ("月排查", date(2026, 12, 1), date(2026, 12, 14), date(2026, 12, 13)),
        ("敏感期", date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 18)),
        ("敏感期", date(2026, 12, 21), date(2026, 12, 28), date(2026, 12, 25)),
        ("敏感期", date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 1)),
        ("敏感期", date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 8)),
        # The monthly cadence resumes the day after; the 25th is still ahead.
        ("月排查", date(2027, 1, 11), date(2027, 2, 1), date(2027, 1, 25)),
        ("月排查", date(2027, 2, 1), date(2027, 3, 1), date(2027, 2, 25)),
    ]


def test_a_period_starting_after_its_due_day_is_due_on_its_last_day() -> None:
    cadence = district(
        MONTHLY,
        {"cadence": "weekly", "due_day": 5, "from": "2026-12-21", "until": "2026-12-27"},
    )
    resumed = period_opening_on(cadence, date(2026, 12, 28))
    assert resumed is not None
    assert (resumed.end, resumed.due_at.date()) == (date(2027, 1, 1), date(2026, 12, 31))


def test_no_schedule_before_from_means_no_period() -> None:
    cadence = district({**MONTHLY, "from": "2027-01-01"})
    assert period_opening_on(cadence, date(2026, 12, 1)) is None
    first = period_opening_on(cadence, date(2027, 1, 1))
    assert first is not None


def test_due_time_and_zone_are_data() -> None:
    cadence = district(MONTHLY, due_time="12:00", opens_at="08:30", timezone="Asia/Urumqi")
    period = period_opening_on(cadence, date(2026, 12, 1))
    assert period is not None
    assert period.opens_at == datetime(2026, 12, 1, 8, 30, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert period.due_at.timetz() == time(12, 0, tzinfo=ZoneInfo("Asia/Urumqi"))


@pytest.mark.parametrize(
    "schedule",
    [
        {"cadence": "daily", "from": "2026-01-01"},
        {"cadence": "weekly", "due_day": 8, "from": "2026-01-01"},
        {"cadence": "monthly", "due_day": 0, "from": "2026-01-01"},
        {"cadence": "monthly", "from": "2026-02-01", "until": "2026-01-01"},
    ],
)
def test_bad_cadence_data_is_refused_at_load(schedule: dict[str, Any]) -> None:
    with pytest.raises(CadenceError):
        district(schedule)


def test_the_shipped_data_screens_the_demo_district_monthly_and_weekly_at_spring_festival() -> None:
    cadence = load_cadences()["451102"]
    assert cadence.timezone == "Asia/Shanghai"
    december = period_opening_on(cadence, date(2026, 12, 1))
    assert december is not None and december.cadence is Cadence.MONTHLY
    february = periods_between(cadence, date(2027, 2, 1), date(2027, 3, 1))
    assert [p.cadence for p in february] == [Cadence.WEEKLY] * 4 + [Cadence.MONTHLY]


def test_issue_15_a_missing_return_escalates_to_the_level_the_district_names() -> None:
    """Issue 15.1: "flagged, counted and escalated like any late item"; which level
    above the grid receives it is the district's data (screening_cadence.json)."""
    grid = "451102001001003"
    assert receiving_unit(load_cadences()["451102"], grid) == ("451102001001", "community")
    assert receiving_unit(district(MONTHLY), grid) == ("451102001001", "community")  # default
    street = district(MONTHLY, missing_return_escalates_to="street")
    assert receiving_unit(street, grid) == ("451102001", "street")
    assert receiving_unit(district(MONTHLY, missing_return_escalates_to=None), grid) is None
    with pytest.raises(CadenceError):
        district(MONTHLY, missing_return_escalates_to="grid")


def test_a_task_id_names_its_period_and_grid() -> None:
    assert task_id("451102:2026-12-01", "451102001001001") == task_id(
        "451102:2026-12-01", "451102001001001"
    )
    assert task_id("451102:2026-12-01", "451102001001001") != task_id(
        "451102:2027-01-01", "451102001001001"
    )


def test_a_first_start_opens_the_period_in_progress_unless_its_return_is_already_due() -> None:
    cadence = district(MONTHLY)
    before_due = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
    assert series_after(cadence, before_due) < datetime(2026, 12, 1, tzinfo=SHANGHAI)
    after_due = datetime(2026, 12, 26, 9, 0, tzinfo=SHANGHAI)
    assert series_after(cadence, after_due) == after_due
    assert current_period(cadence, date(2026, 12, 26)) is not None
