"""Recurrences (RFC 5545 RRULE in a district's time zone, moved to working days) and the
controllable clock: pure code, no servers."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.clock import ManualClock, SystemClock
from shared.scheduling import Recurrence, RecurrenceError, WorkingDayShift
from shared.working_calendar import WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar.load()  # the State Council's schedules, 2025–2027

RULES = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYMONTHDAY=25",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=MONTHLY;BYDAY=1SA",
    "FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1",
]

instants = st.datetimes(
    min_value=datetime(2025, 1, 2), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)


def _local(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI).replace(tzinfo=None)


def test_the_25th_or_the_next_working_day() -> None:
    """Pay-day style rule; 25 Jan 2026 is a Sunday, 25 Apr 2026 a Saturday."""
    rule = Recurrence(
        "FREQ=MONTHLY;BYMONTHDAY=25", datetime(2026, 1, 1, 9), working_day=WorkingDayShift.NEXT
    )
    got = [_local(d) for d in rule.occurrences(datetime(2026, 1, 1, tzinfo=UTC), 4, CALENDAR)]
    assert got == [
        datetime(2026, 1, 26, 9),
        datetime(2026, 2, 25, 9),
        datetime(2026, 3, 25, 9),
        datetime(2026, 4, 27, 9),
    ]


def test_the_first_of_the_month_moves_over_new_year_to_a_tiaoxiu_sunday() -> None:
    """1–3 Jan 2026 are holidays and Sunday 4 Jan is a make-up working day (调休,
    国务院办公厅 2026 schedule); 1 May 2026 starts the five-day Labour Day holiday."""
    rule = Recurrence(
        "FREQ=MONTHLY;BYMONTHDAY=1", datetime(2025, 12, 1, 9), working_day=WorkingDayShift.NEXT
    )
    got = [_local(d) for d in rule.occurrences(datetime(2025, 12, 15, tzinfo=UTC), 6, CALENDAR)]
    assert got == [
        datetime(2026, 1, 4, 9),  # a Sunday, but a working day
        datetime(2026, 2, 2, 9),  # 1 Feb is a Sunday
        datetime(2026, 3, 2, 9),  # 1 Mar is a Sunday
        datetime(2026, 4, 1, 9),
        datetime(2026, 5, 6, 9),  # 1–5 May holiday
        datetime(2026, 6, 1, 9),
    ]


def test_the_last_day_of_the_month_or_the_working_day_before() -> None:
    rule = Recurrence(
        "FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2026, 1, 1, 9), working_day=WorkingDayShift.PREVIOUS
    )
    got = [_local(d) for d in rule.occurrences(datetime(2026, 1, 1, tzinfo=UTC), 3, CALENDAR)]
    # 31 Jan is a Saturday; 28 Feb a 调休 Saturday (working); 31 Mar a Tuesday
    assert got == [datetime(2026, 1, 30, 9), datetime(2026, 2, 28, 9), datetime(2026, 3, 31, 9)]


def test_an_occurrence_moved_past_now_is_still_next() -> None:
    """Asked on Sunday 1 Feb 2026, the month-end of Saturday 31 Jan is still to come
    (Monday 2 Feb); asked on 2 Feb after 09:00, the next is 28 Feb."""
    rule = Recurrence(
        "FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2026, 1, 1, 9), working_day=WorkingDayShift.NEXT
    )
    sunday = datetime(2026, 2, 1, 12, tzinfo=SHANGHAI)
    assert rule.next_after(sunday, CALENDAR) == datetime(2026, 2, 2, 9, tzinfo=SHANGHAI)
    early_monday = datetime(2026, 2, 2, 8, tzinfo=SHANGHAI)
    assert rule.next_after(early_monday, CALENDAR) == datetime(2026, 2, 2, 9, tzinfo=SHANGHAI)
    monday = datetime(2026, 2, 2, 9, tzinfo=SHANGHAI)
    assert rule.next_after(monday, CALENDAR) == datetime(2026, 2, 28, 9, tzinfo=SHANGHAI)


def test_a_daily_rule_over_the_spring_festival_is_one_occurrence_after_it() -> None:
    """15–23 Feb 2026 are holidays; Saturday 14 Feb is a make-up working day."""
    rule = Recurrence("FREQ=DAILY", datetime(2026, 1, 1, 9), working_day=WorkingDayShift.NEXT)
    got = [
        _local(d).date()
        for d in rule.occurrences(datetime(2026, 2, 12, 12, tzinfo=SHANGHAI), 4, CALENDAR)
    ]
    assert got == [date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 24), date(2026, 2, 25)]


def test_occurrences_are_in_the_districts_time_zone() -> None:
    rule = Recurrence("FREQ=DAILY", datetime(2026, 3, 1, 9))
    first = rule.next_after(datetime(2026, 3, 1, tzinfo=UTC))
    assert first == datetime(2026, 3, 1, 1, tzinfo=UTC)  # 09:00 in Beijing is 01:00 UTC


def test_a_zone_with_summer_time_keeps_the_wall_clock_hour() -> None:
    rule = Recurrence("FREQ=DAILY", datetime(2026, 3, 27, 9), timezone="Europe/Berlin")
    got = rule.occurrences(datetime(2026, 3, 27, tzinfo=UTC), 3)
    assert [d.hour for d in got] == [8, 8, 7]  # CET then CEST: always 09:00 in Berlin
    assert {_wall.astimezone(ZoneInfo("Europe/Berlin")).hour for _wall in got} == {9}


def test_a_rule_that_ends_has_no_next_occurrence() -> None:
    rule = Recurrence("FREQ=DAILY;COUNT=2", datetime(2026, 3, 1, 9))
    assert len(rule.occurrences(datetime(2026, 1, 1, tzinfo=UTC), 5)) == 2
    assert rule.next_after(datetime(2026, 3, 3, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("rule", "start", "zone"),
    [
        ("FREQ=SOMETIMES", datetime(2026, 1, 1), "Asia/Shanghai"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", datetime(2026, 1, 1), "Asia/Shanghai"),
        ("FREQ=DAILY", datetime(2026, 1, 1, tzinfo=UTC), "Asia/Shanghai"),
        ("FREQ=DAILY", datetime(2026, 1, 1), "Asia/Nowhere"),
    ],
)
def test_a_malformed_recurrence_is_refused_when_made(rule: str, start: datetime, zone: str) -> None:
    with pytest.raises(RecurrenceError):
        Recurrence(rule, start, timezone=zone)


def test_a_shift_to_working_days_needs_a_calendar() -> None:
    rule = Recurrence("FREQ=DAILY", datetime(2026, 1, 1), working_day=WorkingDayShift.NEXT)
    with pytest.raises(RecurrenceError):
        rule.next_after(datetime(2026, 1, 1, tzinfo=UTC))


class GeneratedCalendar:
    """Weekends off, plus generated holidays and make-up working days (any year)."""

    def __init__(self, holidays: frozenset[date], makeup: frozenset[date]):
        self.holidays = holidays
        self.makeup = makeup

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


days_2025_2027 = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
calendars = st.builds(
    GeneratedCalendar,
    st.frozensets(days_2025_2027, max_size=60),
    st.frozensets(days_2025_2027.filter(lambda d: d.weekday() >= 5), max_size=10),
)


@settings(max_examples=150, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    shift=st.sampled_from(list(WorkingDayShift)),
    hour=st.integers(0, 23),
    after=instants,
    calendar=calendars,
)
def test_occurrences_are_after_increasing_and_on_working_days(
    rule: str, shift: WorkingDayShift, hour: int, after: datetime, calendar: GeneratedCalendar
) -> None:
    recurrence = Recurrence(rule, datetime(2024, 12, 1, hour), working_day=shift)
    got = recurrence.occurrences(after, 5, calendar)
    assert len(got) == 5
    assert got[0] > after
    assert all(a < b for a, b in itertools.pairwise(got))
    assert all(_local(d).hour == hour for d in got), "the time of day is kept"
    if shift is not WorkingDayShift.NONE:
        assert all(calendar.is_working_day(_local(d).date()) for d in got)


@settings(max_examples=150, deadline=None)
@given(rule=st.sampled_from(RULES), after=instants, calendar=calendars)
def test_a_shift_to_the_next_working_day_loses_no_occurrence(
    rule: str, after: datetime, calendar: GeneratedCalendar
) -> None:
    """Every occurrence of the plain rule lands, shifted, on its first working day on or
    after it: nothing is skipped, only moved forward."""
    plain = Recurrence(rule, datetime(2024, 12, 1, 9))
    shifted = Recurrence(rule, datetime(2024, 12, 1, 9), working_day=WorkingDayShift.NEXT)
    moved = {_local(m).date() for m in shifted.occurrences(after, 12, calendar)}
    last = max(moved)
    for nominal in plain.occurrences(after, 6):
        day = _local(nominal).date()
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        if day > last:
            break
        assert day in moved, (nominal, day)


@settings(max_examples=150, deadline=None)
@given(rule=st.sampled_from(RULES), after=instants, calendar=calendars)
def test_the_next_occurrence_is_the_earliest_shifted_one_after_now(
    rule: str, after: datetime, calendar: GeneratedCalendar
) -> None:
    """Against brute force: shift every plain occurrence from well before ``after`` and
    take the first one after it (an occurrence before now may move past now)."""
    plain = Recurrence(rule, datetime(2024, 12, 1, 9))
    shifted = Recurrence(rule, datetime(2024, 12, 1, 9), working_day=WorkingDayShift.NEXT)
    candidates = []
    for nominal in plain.occurrences(after - timedelta(days=40), 60):
        day = _local(nominal).date()
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        at = datetime.combine(day, _local(nominal).time(), tzinfo=SHANGHAI)
        if at > after:
            candidates.append(at)
    assert shifted.next_after(after, calendar) == min(candidates)


@given(
    rule=st.sampled_from(RULES),
    shift=st.sampled_from(list(WorkingDayShift)),
    zone=st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin"]),
)
def test_a_recurrence_is_data_that_round_trips(
    rule: str, shift: WorkingDayShift, zone: str
) -> None:
    recurrence = Recurrence(rule, datetime(2026, 1, 1, 9, 30), timezone=zone, working_day=shift)
    assert Recurrence.from_data(recurrence.to_data()) == recurrence


def test_the_manual_clock_moves_only_when_told() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    clock = ManualClock(start)
    assert clock.now() == start and clock.now().tzinfo is UTC
    assert clock.advance(timedelta(hours=2)) == start + timedelta(hours=2)
    clock.set(start + timedelta(days=1))
    assert clock.now() == start + timedelta(days=1)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    assert SystemClock().now().tzinfo is UTC
