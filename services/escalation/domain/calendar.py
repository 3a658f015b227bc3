"""Chinese working days: public holidays and make-up working days (调休) from data files.

Each year is a JSON file in ``calendars/`` (a new file per year, when the State Council
publishes the schedule). A date in a year with no file is refused rather than guessed
with weekday arithmetic.
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


class WorkingCalendar:
    def __init__(self, years: dict[int, YearCalendar]):
        self._years = years

    @classmethod
    def load(cls, directory: Path = CALENDAR_DIR) -> WorkingCalendar:
        years = {}
        for path in sorted(directory.glob("*.json")):
            raw = json.loads(path.read_text(encoding="utf-8"))
            years[int(raw["year"])] = YearCalendar(
                year=int(raw["year"]),
                holidays=frozenset(date.fromisoformat(d) for d in raw["holidays"]),
                makeup_workdays=frozenset(date.fromisoformat(d) for d in raw["makeup_workdays"]),
                provisional=bool(raw.get("provisional", False)),
            )
        return cls(years)

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
