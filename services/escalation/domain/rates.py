"""The rates a unit is measured by, per period, from each case's facts (DOMAIN.md
"Rates, written down"; GridCase issue 14 item 8). No national formula exists; these
are the ones published figures use, and each is served with its counts.

- 响应率 response rate (三率, Beijing 12345 practice) = cases accepted within the
  accept limit / cases due to be accepted. A 不予受理 (declined, with its reason) is an
  answer too and counts like an acceptance.
- 解决率 resolution rate (三率) = cases closed as resolved / cases due to close.
- 满意率 satisfaction rate (三率) = satisfied / rated: ``domain/satisfaction.py``.
- 按期结案率 on-time closure rate = cases closed by their due time / cases due to close
  (a city's published 737 / 972 = 75.82 %).
- 成功率 mediation success rate = disputes mediated successfully / disputes accepted for
  mediation (a justice bureau's published 6,217 / 6,368 = 97.6 %).

A case counts in the period its limit falls due in (the accept limit for 响应率, the
closing limit for 解决率 and 按期结案率), once it is answered or the limit has passed:
a case not yet due and not yet answered is in neither number. 成功率 counts disputes in
the period they were accepted for mediation. With nothing counted there is no rate,
never 100 %.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from services.escalation.domain.clocks import BEIJING
from services.escalation.domain.satisfaction import Rate

RESPONSE = "response"
RESOLUTION = "resolution"
SATISFACTION = "satisfaction"
ON_TIME_CLOSURE = "on_time_closure"
MEDIATION_SUCCESS = "mediation_success"
# The metric's ``rate`` label takes these values only (bounded).
RATES = (RESPONSE, RESOLUTION, SATISFACTION, ON_TIME_CLOSURE, MEDIATION_SUCCESS)

# Case-work steps that answer a case within the accept limit: 受理 (a dispute's or a
# report's) or 不予受理 with its reason.
RESPONDING_STEPS = frozenset({"accepted", "declined", "report-accepted"})
# Closing results that count as resolved: a dispute mediated to an agreement (台账
# "调解成功"), a report verified as resolved (``report-closed`` result ``resolved``).
# A partial agreement leaves part of the dispute open: not counted (practice; a district
# that counts it would pass its own set).
RESOLVED_RESULTS = frozenset({"success", "resolved"})
# 成功率 counts 调解成功 only; failure and termination (art. 26) are not successes.
SUCCEEDED_RESULTS = frozenset({"success"})


class PeriodInvalid(ValueError):
    """A period that is neither a month (``2026-12``) nor a year (``2026``)."""


@dataclass(frozen=True)
class Period:
    """A calendar month or year in Beijing time, as ``[start, end)``."""

    label: str
    start: datetime
    end: datetime


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BEIJING)


def parse_period(text: str) -> Period:
    """``2026-12`` (a month) or ``2026`` (a year; up to now, it is year to date)."""
    if month := _MONTH.match(text):
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12 or year < 2000:
            raise PeriodInvalid(text)
        following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
        return Period(text, _midnight(date(year, number, 1)), _midnight(following))
    if (whole := _YEAR.match(text)) and int(whole[1]) >= 2000:
        year = int(whole[1])
        return Period(text, _midnight(date(year, 1, 1)), _midnight(date(year + 1, 1, 1)))
    raise PeriodInvalid(text)


def month_of(instant: datetime) -> Period:
    """The Beijing calendar month ``instant`` falls in (what the gauges show)."""
    local = instant.astimezone(BEIJING)
    return parse_period(f"{local.year:04d}-{local.month:02d}")


@dataclass(frozen=True)
class CaseRateFacts:
    """What the rates need to know of one case (escalation's projection of its events
    and clocks). Due times are the clocks' own, moved by approved extensions."""

    kind: str | None = None
    accept_due_at: datetime | None = None
    responded_at: datetime | None = None
    close_due_at: datetime | None = None
    closed_at: datetime | None = None
    close_result: str | None = None
    mediation_accepted_at: datetime | None = None


def _in(instant: datetime | None, period: Period) -> bool:
    return instant is not None and period.start <= instant < period.end


def _decided(due: datetime | None, done: datetime | None, now: datetime) -> bool:
    """Counted once answered, or once the limit has passed unanswered."""
    return due is not None and (done is not None or due <= now)


def due_to_respond(facts: CaseRateFacts, period: Period, now: datetime) -> bool:
    """响应率's denominator: the accept limit fell due in the period (and is decided)."""
    return _in(facts.accept_due_at, period) and _decided(
        facts.accept_due_at, facts.responded_at, now
    )


def responded_in_time(facts: CaseRateFacts) -> bool:
    """响应率's numerator: accepted (or declined) by the accept limit."""
    return (
        facts.responded_at is not None
        and facts.accept_due_at is not None
        and facts.responded_at <= facts.accept_due_at
    )


def due_to_close(facts: CaseRateFacts, period: Period, now: datetime) -> bool:
    """解决率's and 按期结案率's denominator: the closing limit fell due in the period."""
    return _in(facts.close_due_at, period) and _decided(facts.close_due_at, facts.closed_at, now)


def closed_on_time(facts: CaseRateFacts) -> bool:
    """按期结案率's numerator: closed (结案) by the closing limit."""
    return (
        facts.closed_at is not None
        and facts.close_due_at is not None
        and facts.closed_at <= facts.close_due_at
    )


def resolved(facts: CaseRateFacts) -> bool:
    """解决率's numerator: closed as resolved (``RESOLVED_RESULTS``)."""
    return facts.closed_at is not None and facts.close_result in RESOLVED_RESULTS


def accepted_for_mediation(facts: CaseRateFacts, period: Period) -> bool:
    """成功率's denominator: a dispute accepted for mediation (受理) in the period."""
    return facts.kind == "dispute" and _in(facts.mediation_accepted_at, period)


def mediation_succeeded(facts: CaseRateFacts) -> bool:
    """成功率's numerator: closed with the result 调解成功."""
    return facts.closed_at is not None and facts.close_result in SUCCEEDED_RESULTS


@dataclass
class RateCounts:
    """Numerator and denominator of each case-based rate (满意率 comes from ratings)."""

    responded_in_time: int = 0
    due_to_respond: int = 0
    resolved: int = 0
    closed_on_time: int = 0
    due_to_close: int = 0
    mediation_succeeded: int = 0
    accepted_for_mediation: int = 0

    def add(self, facts: CaseRateFacts, period: Period, now: datetime) -> None:
        if due_to_respond(facts, period, now):
            self.due_to_respond += 1
            self.responded_in_time += responded_in_time(facts)
        if due_to_close(facts, period, now):
            self.due_to_close += 1
            self.resolved += resolved(facts)
            self.closed_on_time += closed_on_time(facts)
        if accepted_for_mediation(facts, period):
            self.accepted_for_mediation += 1
            self.mediation_succeeded += mediation_succeeded(facts)

    def rates(self) -> dict[str, Rate]:
        return {
            RESPONSE: Rate(self.responded_in_time, self.due_to_respond),
            RESOLUTION: Rate(self.resolved, self.due_to_close),
            ON_TIME_CLOSURE: Rate(self.closed_on_time, self.due_to_close),
            MEDIATION_SUCCESS: Rate(self.mediation_succeeded, self.accepted_for_mediation),
        }


def tally(facts: Iterable[CaseRateFacts], period: Period, now: datetime) -> RateCounts:
    counts = RateCounts()
    for one in facts:
        counts.add(one, period, now)
    return counts
