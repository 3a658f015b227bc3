"""Time-limit clocks: when each is due, when its warning, yellow and red cards fall, and
what pausing, resuming, extending and a changed calendar do to them.

A clock keeps its ``Basis`` (the numbers of the limit row it opened with and the day it
counts from), so its deadlines can be computed again when a year of the calendar
changes or a pause ends, and a limit changed later never touches it.

- Working days end at 18:00 Beijing time (``END_OF_WORKDAY``); calendar days at
  midnight (the end of the last day).
- A clock whose due time the case names (``fixed``: the one-month mediation limit from
  the acceptance, the 30-day confirmation window from the agreement, a follow-up's
  date) keeps that time; its cards keep their distance from it.
- A pause stops a clock: working days spent paused are added to a working-day clock's
  count (the calendar decides which days were working days), a fixed or calendar-day
  clock moves by the time it was paused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

from services.escalation.domain.limits import Counting, StageLimit
from shared.working_calendar import WorkingCalendar

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
END_OF_WORKDAY = time(18, 0)


@dataclass(frozen=True)
class Basis:
    """What a clock's deadlines are computed from (stored on the clock)."""

    counting: Counting
    anchor: date  # the local day counting starts from
    due: int
    yellow: int
    red: int
    warn: int
    fixed: bool = False  # deadlines given by the case: kept, moved only by time
    paused_days: int = 0  # working days spent paused (working-day clocks)


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    warn_at: datetime | None  # None: no warning (limit's warn 0, or before the start)

    def shifted(self, delta: timedelta) -> Deadlines:
        return Deadlines(
            self.due_at + delta,
            self.yellow_at + delta,
            self.red_at + delta,
            self.warn_at + delta if self.warn_at is not None else None,
        )

    def of(self, card: str) -> datetime | None:
        return {
            "warning": self.warn_at,
            "yellow": self.yellow_at,
            "red": self.red_at,
        }[card]


CARDS = ("warning", "yellow", "red")


@dataclass(frozen=True)
class Remaining:
    """Time left to the due time at a moment (negative once past it)."""

    until_due: timedelta
    working_days: int | None  # working days left (working-day clocks)


def local_day(instant: datetime) -> date:
    return instant.astimezone(BEIJING).date()


def _end_of_working_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_WORKDAY, tzinfo=BEIJING)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)


def compute(calendar: WorkingCalendar, basis: Basis, started_at: datetime) -> Deadlines:
    """The deadlines of a clock that is not ``fixed``."""
    if basis.counting == "working":
        extra = basis.paused_days
        due_day = calendar.add_working_days(basis.anchor, basis.due + extra)
        due_at = _end_of_working_day(due_day)
        yellow_at = _end_of_working_day(
            calendar.add_working_days(basis.anchor, basis.yellow + extra)
        )
        red_at = _end_of_working_day(calendar.add_working_days(basis.anchor, basis.red + extra))
        warn_at = (
            _end_of_working_day(calendar.working_day_before(due_day, basis.warn))
            if basis.warn
            else None
        )
    else:
        due_at = _end_of_day(basis.anchor + timedelta(days=basis.due))
        yellow_at = _end_of_day(basis.anchor + timedelta(days=basis.yellow))
        red_at = _end_of_day(basis.anchor + timedelta(days=basis.red))
        warn_at = due_at - timedelta(days=basis.warn) if basis.warn else None
    return _without_early_warning(Deadlines(due_at, yellow_at, red_at, warn_at), started_at)


def _without_early_warning(deadlines: Deadlines, started_at: datetime) -> Deadlines:
    if deadlines.warn_at is not None and deadlines.warn_at <= started_at:
        return replace(deadlines, warn_at=None)
    return deadlines


def _from_due(
    calendar: WorkingCalendar, limit: StageLimit, due_at: datetime, started_at: datetime
) -> Deadlines:
    """Cards and warning around a due time the case names, at the limit's distances."""
    if limit.counting == "working":
        day = local_day(due_at)

        def after(days: int) -> datetime:
            moved = calendar.add_working_days(day, days)
            return datetime.combine(moved, due_at.astimezone(BEIJING).timetz())

        warn_at = (
            datetime.combine(
                calendar.working_day_before(day, limit.warn), due_at.astimezone(BEIJING).timetz()
            )
            if limit.warn
            else None
        )
        deadlines = Deadlines(
            due_at, after(limit.yellow - limit.due), after(limit.red - limit.due), warn_at
        )
    else:
        deadlines = Deadlines(
            due_at,
            due_at + timedelta(days=limit.yellow - limit.due),
            due_at + timedelta(days=limit.red - limit.due),
            due_at - timedelta(days=limit.warn) if limit.warn else None,
        )
    return _without_early_warning(deadlines, started_at)


def plan(
    calendar: WorkingCalendar,
    limit: StageLimit,
    started_at: datetime,
    *,
    named_due: datetime | None = None,
    cap: bool = False,
) -> tuple[Basis, Deadlines]:
    """A new clock's basis and deadlines.

    ``named_due`` is a due time the case names. With ``cap`` it is an outer bound (the
    law's one month): the limit's own due time applies when earlier, so a district may
    set a shorter one (a 民转刑 case). Without ``cap`` it is the due time.
    """
    basis = Basis(
        counting=limit.counting,
        anchor=local_day(started_at),
        due=limit.due,
        yellow=limit.yellow,
        red=limit.red,
        warn=limit.warn,
    )
    computed = compute(calendar, basis, started_at)
    if named_due is None or (cap and computed.due_at <= named_due):
        return basis, computed
    return replace(basis, fixed=True), _from_due(calendar, limit, named_due, started_at)


def recompute(
    calendar: WorkingCalendar, basis: Basis, started_at: datetime, current: Deadlines
) -> Deadlines:
    """A running clock's deadlines under ``calendar`` (a year imported or corrected);
    fixed clocks keep theirs."""
    if basis.fixed:
        return current
    return compute(calendar, basis, started_at)


def remaining(calendar: WorkingCalendar, basis: Basis, due_at: datetime, at: datetime) -> Remaining:
    """Time left at ``at``: what a pause records, and what the API shows."""
    working = None
    if basis.counting == "working":
        working = calendar.working_days_between(local_day(at), local_day(due_at))
    return Remaining(due_at - at, working)


def resume(
    calendar: WorkingCalendar,
    basis: Basis,
    started_at: datetime,
    current: Deadlines,
    paused_at: datetime,
    at: datetime,
) -> tuple[Basis, Deadlines]:
    """The clock restarted at ``at`` after a pause from ``paused_at``: the time paused does
    not count (working days for a working-day clock, all of it otherwise)."""
    if basis.fixed or basis.counting == "calendar":
        return basis, current.shifted(at - paused_at)
    spent = calendar.working_days_between(local_day(paused_at), local_day(at))
    moved = replace(basis, paused_days=basis.paused_days + spent)
    return moved, compute(calendar, moved, started_at)


def extend(basis: Basis, current: Deadlines, new_due: datetime) -> tuple[Basis, Deadlines]:
    """The due time moved to ``new_due`` (an extension both parties consented to, MoJ
    2002 art. 33): the cards move with it; the clock is fixed from now on."""
    return replace(basis, fixed=True), current.shifted(new_due - current.due_at)
