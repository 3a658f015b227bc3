"""Screening periods (排查): when a district's period starts, when it ends, when its
returns are due.

Seed 001 asks every community for monthly screening (月排查, with 月例会 and 月报告);
DOMAIN.md "The cycle in practice": every half-month or monthly, weekly in sensitive
periods, the return filed by a fixed day, a nil report (零报告) where nothing was found.
The cadence is data per district (``screening_cadence.json``): a list of schedules, each
in force on a range of local dates; where several are in force, the one with the latest
``from`` wins, so a sensitive period's weekly screening replaces the monthly one for its
days and the monthly cadence resumes the day after it ends.

A period starts on a day when the schedule in force that day has a boundary there (the
1st; the 1st and 16th; Mondays), or when the schedule in force changes. It ends where
the next one starts. Pure: no clock, no database.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CADENCE_FILE = Path(__file__).parent / "screening_cadence.json"
# Longest period we look ahead for the next start (a month is at most 31 days).
_MAX_PERIOD_DAYS = 62
_TASK_NAMESPACE = uuid.UUID("6f1c2b0e-8d4a-4c55-9a55-2f1f5c3e7a10")
# A unit code's length at each level above a grid (GB/T 2260 district, then street,
# community; a grid has 15 digits).
RECEIVING_LEVELS = {"community": 12, "street": 9, "district": 6}


class Cadence(StrEnum):
    MONTHLY = "monthly"  # seed 001: 月排查
    HALF_MONTHLY = "half_monthly"  # DOMAIN.md: 每半月
    WEEKLY = "weekly"  # DOMAIN.md: weekly in sensitive periods


_MAX_DUE_DAY = {Cadence.MONTHLY: 31, Cadence.HALF_MONTHLY: 16, Cadence.WEEKLY: 7}


class CadenceError(ValueError):
    """The cadence data cannot be used (unknown cadence, bad dates or zone)."""


@dataclass(frozen=True)
class Schedule:
    name: str
    cadence: Cadence
    due_day: int
    starts: date  # ``from``, inclusive
    until: date | None = None  # inclusive

    def in_force(self, day: date) -> bool:
        return self.starts <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class DistrictCadence:
    district_code: str
    timezone: str
    opens_at: time
    due_time: time
    schedules: tuple[Schedule, ...]
    # The level above the grid that a missing return is escalated to (上报), or None.
    missing_escalates_to: str | None = "community"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def schedule_on(self, day: date) -> Schedule | None:
        """The schedule in force on ``day``: the latest ``from`` among those covering it
        (a later-listed one wins a tie)."""
        best: Schedule | None = None
        for schedule in self.schedules:
            if schedule.in_force(day) and (best is None or schedule.starts >= best.starts):
                best = schedule
        return best


@dataclass(frozen=True)
class Period:
    """One screening period of a district: ``start`` to ``end`` (exclusive), local dates."""

    district_code: str
    schedule: str
    cadence: Cadence
    start: date
    end: date
    opens_at: datetime  # aware
    due_at: datetime  # aware

    @property
    def key(self) -> str:
        return f"{self.district_code}:{self.start.isoformat()}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def task_id(period_key: str, grid_code: str) -> str:
    """The same period and grid always name the same task (replays open nothing new)."""
    return str(uuid.uuid5(_TASK_NAMESPACE, f"screening:{period_key}:{grid_code}"))


def receiving_unit(district: DistrictCadence, grid_code: str) -> tuple[str, str] | None:
    """Where a grid's missing return is escalated: the unit of the district's receiving
    level above the grid (a prefix of its code) and that level; None if the district
    escalates nothing or the code is too short to have that level above it."""
    level = district.missing_escalates_to
    if level is None:
        return None
    digits = RECEIVING_LEVELS[level]
    if len(grid_code) <= digits:
        return None
    return grid_code[:digits], level


def is_boundary(cadence: Cadence, day: date) -> bool:
    if cadence is Cadence.MONTHLY:
        return day.day == 1
    if cadence is Cadence.HALF_MONTHLY:
        return day.day in (1, 16)
    return day.isoweekday() == 1


def unit_start(cadence: Cadence, day: date) -> date:
    """The boundary of ``cadence`` on or before ``day`` (the 1st, the 1st/16th, Monday)."""
    if cadence is Cadence.MONTHLY:
        return day.replace(day=1)
    if cadence is Cadence.HALF_MONTHLY:
        return day.replace(day=1 if day.day < 16 else 16)
    return day - timedelta(days=day.isoweekday() - 1)


def period_starts_on(district: DistrictCadence, day: date) -> bool:
    schedule = district.schedule_on(day)
    if schedule is None:
        return False
    if district.schedule_on(day - timedelta(days=1)) is not schedule:
        return True  # a schedule comes into force (or the regular one resumes)
    return is_boundary(schedule.cadence, day)


def period_end(district: DistrictCadence, start: date) -> date:
    """The day after ``start``'s period: the next start, or the first day with no schedule."""
    for offset in range(1, _MAX_PERIOD_DAYS + 1):
        day = start + timedelta(days=offset)
        if district.schedule_on(day) is None or period_starts_on(district, day):
            return day
    raise CadenceError(f"no period end within {_MAX_PERIOD_DAYS} days of {start}")


def due_day(schedule: Schedule, start: date, end: date) -> date:
    """The day the return is due: ``due_day`` of the cadence's unit holding ``start``; a
    period cut short (a schedule switching mid-unit) is due on its last day when that
    day falls outside it."""
    anchor = unit_start(schedule.cadence, start) + timedelta(days=schedule.due_day - 1)
    last = end - timedelta(days=1)
    if anchor < start or anchor > last:
        return last
    return anchor


def period_opening_on(district: DistrictCadence, day: date) -> Period | None:
    """The period that starts on ``day`` (local date), if one does."""
    if not period_starts_on(district, day):
        return None
    schedule = district.schedule_on(day)
    assert schedule is not None
    end = period_end(district, day)
    zone = district.zone
    return Period(
        district_code=district.district_code,
        schedule=schedule.name,
        cadence=schedule.cadence,
        start=day,
        end=end,
        opens_at=datetime.combine(day, district.opens_at, tzinfo=zone),
        due_at=datetime.combine(due_day(schedule, day, end), district.due_time, tzinfo=zone),
    )


def periods_between(district: DistrictCadence, first: date, last: date) -> list[Period]:
    """Every period starting from ``first`` to ``last`` (both included)."""
    found = []
    day = first
    while day <= last:
        period = period_opening_on(district, day)
        if period is not None:
            found.append(period)
        day += timedelta(days=1)
    return found


def current_period(district: DistrictCadence, day: date) -> Period | None:
    """The period ``day`` (local date) falls in, if any."""
    for back in range(_MAX_PERIOD_DAYS + 1):
        period = period_opening_on(district, day - timedelta(days=back))
        if period is not None:
            return period if period.end > day else None
    return None


def series_after(district: DistrictCadence, now: datetime) -> datetime:
    """Where a district's daily screening series begins when first set up: the period
    in progress is opened if its return is not yet due; otherwise screening begins with
    the next period (a new deployment never flags returns nobody was asked for)."""
    current = current_period(district, now.astimezone(district.zone).date())
    if current is not None and current.due_at > now:
        return min(now, current.opens_at - timedelta(microseconds=1))
    return now


# --- the data ---------------------------------------------------------------------


def _schedule(raw: dict[str, Any], where: str) -> Schedule:
    try:
        cadence = Cadence(raw["cadence"])
    except (KeyError, ValueError) as exc:
        raise CadenceError(f"{where}: cadence must be one of {[c.value for c in Cadence]}") from exc
    day = int(raw.get("due_day", 1))
    if not 1 <= day <= _MAX_DUE_DAY[cadence]:
        raise CadenceError(f"{where}: due_day {day} outside 1..{_MAX_DUE_DAY[cadence]}")
    starts = date.fromisoformat(raw["from"])
    until = date.fromisoformat(raw["until"]) if raw.get("until") else None
    if until is not None and until < starts:
        raise CadenceError(f"{where}: until is before from")
    return Schedule(str(raw.get("name") or cadence.value), cadence, day, starts, until)


def district_cadence(code: str, raw: dict[str, Any], default: dict[str, Any]) -> DistrictCadence:
    merged = {**default, **raw}
    zone = str(merged.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError) as exc:
        raise CadenceError(f"district {code}: unknown time zone {zone!r}") from exc
    schedules = tuple(
        _schedule(s, f"district {code} schedule {i}")
        for i, s in enumerate(merged.get("schedules") or [])
    )
    if not schedules:
        raise CadenceError(f"district {code}: no schedules")
    escalates_to = merged.get("missing_return_escalates_to", "community")
    if escalates_to is not None and escalates_to not in RECEIVING_LEVELS:
        raise CadenceError(
            f"district {code}: missing_return_escalates_to must be one of "
            f"{sorted(RECEIVING_LEVELS)} or null"
        )
    return DistrictCadence(
        district_code=code,
        timezone=zone,
        opens_at=time.fromisoformat(str(merged.get("opens_at", "00:00"))),
        due_time=time.fromisoformat(str(merged.get("due_time", "18:00"))),
        schedules=schedules,
        missing_escalates_to=escalates_to,
    )


def parse_cadences(raw: dict[str, Any]) -> dict[str, DistrictCadence]:
    """Each listed district's cadence, missing fields taken from ``default``."""
    default = raw.get("default") or {}
    return {
        code: district_cadence(code, entry or {}, default)
        for code, entry in (raw.get("districts") or {}).items()
    }


def load_cadences(path: Path = CADENCE_FILE) -> dict[str, DistrictCadence]:
    return parse_cadences(json.loads(path.read_text(encoding="utf-8")))
