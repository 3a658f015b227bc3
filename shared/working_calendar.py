"""Chinese working days: public holidays and make-up working days (调休) per year.

Each year's schedule is data: the JSON files in ``calendars/`` seed escalation's
``calendar_years`` table, and a district imports a new or corrected year through the
CLI or the API (the State Council publishes the next year's schedule each autumn). A
date in a year with no data is refused rather than guessed with weekday arithmetic.

Shared because two services count working days: escalation owns the calendar (its
clocks' deadlines) and mediation's "my work" counts its deadline buckets in the files
as shipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

CALENDAR_DIR = Path(__file__).parent / "calendars"


class CalendarGap(LookupError):
    """No holiday data for the year asked about."""


@dataclass(frozen=True)
class YearCalendar:
    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    provisional: bool
    source: str = ""

    def as_data(self) -> dict[str, object]:
        """The JSON form ``read_year`` reads."""
        return {
            "year": self.year,
            "source": self.source,
            "provisional": self.provisional,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "makeup_workdays": [d.isoformat() for d in sorted(self.makeup_workdays)],
        }


class WorkingCalendar:
    def __init__(self, years: dict[int, YearCalendar]):
        self._years = years

    @classmethod
    def load(cls, directory: Path = CALENDAR_DIR) -> WorkingCalendar:
        """The yearly files as shipped (the database's seed; tests and tools)."""
        years = [
            read_year(json.loads(p.read_text("utf-8"))) for p in sorted(directory.glob("*.json"))
        ]
        return cls({y.year: y for y in years})

    def with_year(self, year: YearCalendar) -> WorkingCalendar:
        """This calendar with ``year`` added or replaced."""
        return WorkingCalendar({**self._years, year.year: year})

    def year(self, year: int) -> YearCalendar | None:
        return self._years.get(year)

    @property
    def years(self) -> list[int]:
        return sorted(self._years)

    def is_working_day(self, day: date) -> bool:
        year = self._years.get(day.year)
        if year is None:
            raise CalendarGap(
                f"no working-day calendar for {day.year}; add calendars/{day.year}.json"
            )
        if day in year.makeup_workdays:
            return True
        if day in year.holidays:
            return False
        return day.weekday() < 5

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]`` (0 when ``end <= start``)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def working_day_before(self, day: date, days: int) -> date:
        """The working day ``days`` working days before ``day`` (``day`` itself if 0)."""
        current, remaining = day, days
        while remaining > 0:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current


class CalendarInvalid(ValueError):
    """A year's schedule that cannot be right; ``problems`` are (field, en, zh)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__("; ".join(en for _, en, _ in problems))
        self.problems = problems


def read_year(raw: object) -> YearCalendar:
    """A year's schedule from its JSON form (``year``, ``holidays``, ``makeup_workdays``,
    ``provisional``), checked: every date inside the year, a holiday never also a make-up
    day, a make-up day on a weekend (调休 moves work onto a Saturday or Sunday)."""
    problems: list[tuple[str, str, str]] = []
    if not isinstance(raw, dict):
        raise CalendarInvalid(
            [("", "A year's schedule is a JSON object.", "年度日历应为 JSON 对象。")]
        )
    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise CalendarInvalid(
            [("year", "A year between 2000 and 2100.", "年份应在 2000 至 2100 之间。")]
        )
    days: dict[str, frozenset[date]] = {}
    for name in ("holidays", "makeup_workdays"):
        values = raw.get(name, [])
        parsed: set[date] = set()
        if not isinstance(values, list):
            problems.append((name, "A list of dates (YYYY-MM-DD).", "应为日期列表（YYYY-MM-DD）。"))
            values = []
        for i, value in enumerate(values):
            try:
                day = date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None:
                problems.append(
                    (f"{name}/{i}", "Not a date (YYYY-MM-DD).", "不是有效日期（YYYY-MM-DD）。")
                )
            elif day.year != year:
                problems.append(
                    (f"{name}/{i}", f"{day} is not in {year}.", f"{day} 不在 {year} 年内。")
                )
            elif name == "makeup_workdays" and day.weekday() < 5:
                problems.append(
                    (
                        f"{name}/{i}",
                        f"{day} is a weekday: a make-up working day is a weekend day.",
                        f"{day} 是工作日：调休上班日应为周末。",
                    )
                )
            else:
                parsed.add(day)
        days[name] = frozenset(parsed)
    for day in sorted(days["holidays"] & days["makeup_workdays"]):
        problems.append(
            (
                "makeup_workdays",
                f"{day} is both a holiday and a make-up working day.",
                f"{day} 既是假日又是调休上班日。",
            )
        )
    provisional = raw.get("provisional", False)
    source = raw.get("source", "")
    if not isinstance(source, str) or len(source) > 500:
        problems.append(("source", "Text up to 500 characters.", "应为不超过 500 字的文字。"))
        source = ""
    if not isinstance(provisional, bool):
        problems.append(("provisional", "true or false.", "应为 true 或 false。"))
    if problems:
        raise CalendarInvalid(problems)
    return YearCalendar(
        year=year,
        holidays=days["holidays"],
        makeup_workdays=days["makeup_workdays"],
        provisional=bool(provisional),
        source=source,
    )
