"""Recurrences as data: an RFC 5545 RRULE in a district's time zone, optionally moved
to a working day.

A recurrence is stored with its job (``to_data`` / ``from_data``), so changing a
schedule is changing a row, not code. The rule is evaluated in local wall time of the
time zone (``Asia/Shanghai`` unless the district says otherwise, per IANA tz names),
then each occurrence is turned into an instant.

Working days are a protocol, not a table here: the Chinese public-holiday calendar with
its make-up working days (调休) is data the escalation service owns, and ``shared`` never
imports a service. "The 25th, or the next working day" is ``BYMONTHDAY=25`` with
``WorkingDayShift.NEXT``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

DEFAULT_TIMEZONE = "Asia/Shanghai"

# Longest run of consecutive non-working days we step over before calling the calendar
# wrong (the Spring Festival holiday with its weekends is about nine days).
_MAX_SHIFT_DAYS = 31


class WorkingDays(Protocol):
    """Which days are working days; escalation's calendar (with 调休) satisfies it."""

    def is_working_day(self, day: date) -> bool: ...


class WorkingDayShift(StrEnum):
    """Where an occurrence on a non-working day goes."""

    NONE = "none"  # stays where the rule puts it
    NEXT = "next"  # the next working day (e.g. "the 25th, or the next working day")
    PREVIOUS = "previous"  # the working day before (e.g. "pay before the holiday")


class RecurrenceError(ValueError):
    """A recurrence that cannot be evaluated (bad rule, unknown zone, no calendar)."""


@dataclass(frozen=True)
class Recurrence:
    """``rule`` is the RRULE value (``FREQ=MONTHLY;BYMONTHDAY=-1``), ``start`` its DTSTART
    in local wall time (naive), which also gives the time of day. ``UNTIL`` is read in
    the same local time."""

    rule: str
    start: datetime
    timezone: str = DEFAULT_TIMEZONE
    working_day: WorkingDayShift = WorkingDayShift.NONE

    def __post_init__(self) -> None:
        # Accept the stored string ("next") as well as the enum member.
        object.__setattr__(self, "working_day", WorkingDayShift(self.working_day))
        if self.start.tzinfo is not None:
            raise RecurrenceError("start is local wall time: give it without a time zone")
        if "DTSTART" in self.rule.upper():
            raise RecurrenceError("the rule's start is `start`, not a DTSTART in the rule")
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise RecurrenceError(f"unknown time zone {self.timezone!r}") from exc
        self._rules()  # fail now on a malformed rule, not at the first firing

    def _rules(self) -> rruleset:
        body = self.rule if self.rule.upper().startswith("RRULE:") else f"RRULE:{self.rule}"
        try:
            return rrulestr(body, dtstart=self.start, forceset=True)
        except (ValueError, TypeError) as exc:
            raise RecurrenceError(f"not an RFC 5545 RRULE: {self.rule!r} ({exc})") from exc

    def to_data(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "start": self.start.isoformat(),
            "timezone": self.timezone,
            "working_day": self.working_day.value,
        }

    @classmethod
    def from_data(cls, data: dict[str, str]) -> Recurrence:
        return cls(
            rule=data["rule"],
            start=datetime.fromisoformat(data["start"]),
            timezone=data.get("timezone", DEFAULT_TIMEZONE),
            working_day=WorkingDayShift(data.get("working_day", WorkingDayShift.NONE.value)),
        )

    def next_after(self, instant: datetime, calendar: WorkingDays | None = None) -> datetime | None:
        """The first occurrence strictly after ``instant`` (aware), after any working-day
        shift; None when the rule has ended.

        Several rule occurrences may land on the same working day (a daily rule over a
        weekend); they are one occurrence. An occurrence the rule placed before
        ``instant`` still counts if its shift moves it after ``instant``.
        """
        if instant.tzinfo is None:
            raise RecurrenceError("next_after needs a timezone-aware instant")
        if self.working_day is not WorkingDayShift.NONE and calendar is None:
            raise RecurrenceError(f"{self.rule!r} moves to working days: give a calendar")
        zone = ZoneInfo(self.timezone)
        local_after = instant.astimezone(zone).replace(tzinfo=None)
        search_from = local_after
        if self.working_day is WorkingDayShift.NEXT and calendar is not None:
            search_from = self._start_of_idle_run(local_after, calendar)
        for nominal in self._occurrences_after(search_from):
            at = self._shift(nominal, calendar).replace(tzinfo=zone)
            if at > instant:
                return at.astimezone(instant.tzinfo)
        return None

    @staticmethod
    def _start_of_idle_run(local: datetime, calendar: WorkingDays) -> datetime:
        """Where to look back from: occurrences on the non-working days just before
        ``local`` (and earlier on its own day) move forward, possibly past ``local``."""
        day = local.date() - timedelta(days=1)
        for _ in range(_MAX_SHIFT_DAYS):
            if calendar.is_working_day(day):
                break
            day -= timedelta(days=1)
        after_last_working_day = datetime.combine(day + timedelta(days=1), time.min)
        return min(local, after_last_working_day - timedelta(microseconds=1))

    def occurrences(
        self, after: datetime, count: int, calendar: WorkingDays | None = None
    ) -> list[datetime]:
        """The next ``count`` occurrences after ``after``, each from the one before."""
        found: list[datetime] = []
        current = after
        while len(found) < count:
            nxt = self.next_after(current, calendar)
            if nxt is None:
                break
            found.append(nxt)
            current = nxt
        return found

    def _occurrences_after(self, local: datetime) -> Iterator[datetime]:
        rules = self._rules()
        current = rules.after(local)
        while current is not None:
            yield current
            current = rules.after(current)

    def _shift(self, nominal: datetime, calendar: WorkingDays | None) -> datetime:
        if self.working_day is WorkingDayShift.NONE or calendar is None:
            return nominal
        step = timedelta(days=1 if self.working_day is WorkingDayShift.NEXT else -1)
        day = nominal
        for _ in range(_MAX_SHIFT_DAYS + 1):
            if calendar.is_working_day(day.date()):
                return day
            day += step
        raise RecurrenceError(f"no working day within {_MAX_SHIFT_DAYS} days of {nominal:%Y-%m-%d}")
