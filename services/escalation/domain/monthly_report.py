"""The monthly report (月报告, seed 001 "月排查、月例会、月报告"): what is counted, where,
and how a level's report goes up the tree.

Every figure is a count of facts from the event stream, each fact counted once per case
in the month (Asia/Shanghai) it happened, at the case's area (its grid, else the unit
that handled it) and dispute type (category), and at the level of the unit that did it:

- screened (排查数): a dispute found in screening, i.e. a case whose ``case.submitted``
  names a screening task (intake links the disputes of a return to its task);
- accepted (受理数): the committee accepted the dispute for mediation;
- mediated (调处数): the mediation ended (closed with any result);
- succeeded (成功数): closed with result ``success``;
- major (重大) and the people-involved bands (<50, 50–100, 100–500, >500): counted with
  the dispute when it is found (DOMAIN.md "Risk": group disputes are banded);
- nil reports (零报告) and returns filed: per grid and screening period.

Rates (DOMAIN.md "Rates, written down"; no national formula): mediation rate 调处率 =
mediated / screened; success rate 成功率 = succeeded / accepted for mediation (a justice
bureau's published 6,217 / 6,368 = 97.6 %). A rate with a zero denominator is None, and
the counts are always shown beside it.

The time-limit rates (响应率, 解决率, 按期结案率, 满意率; ``domain/rates.py``) go beside
them for the month, per area × category × level: a dispute counts at its report area
and category, at the level of the unit whose limit it was (the accept clock's level for
响应率, the closing clock's for 解决率 and 按期结案率, the rated unit's for 满意率).

A level's report goes up: community → street → district; the level above accepts or
returns it (with a reason), and its own report aggregates what it accepted (汇总再统一上报,
seed 001). A report not submitted by the district's deadline (day of the following
month, per level: data in ``monthly_report.json``) is flagged missing once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

POLICY_FILE = Path(__file__).parent / "monthly_report.json"

# Unit code length by level (DOMAIN.md "The organisation tree": 6/9/12/15 digits).
LEVEL_DIGITS: dict[str, int] = {"district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_OF_DIGITS = {digits: level for level, digits in LEVEL_DIGITS.items()}
PARENT_LEVEL = {"community": "street", "street": "district"}
CHILD_LEVEL = {"district": "street", "street": "community", "community": "grid"}
SUBMITTING_LEVELS = ("community", "street", "district")

BANDS = ("lt50", "b50_100", "b100_500", "gt500")
BAND_LABELS = {"lt50": "<50人", "b50_100": "50–100人", "b100_500": "100–500人", "gt500": ">500人"}


def level_of(unit_code: str) -> str | None:
    return LEVEL_OF_DIGITS.get(len(unit_code))


def band_of(people: int | None) -> str | None:
    """People-involved band (DOMAIN.md "Risk": <50, 50–100, 100–500, >500). A band's
    upper bound belongs to it: 100 people is 50–100, 500 is 100–500. Unknown: no band."""
    if people is None or people < 0:
        return None
    if people < 50:
        return "lt50"
    if people <= 100:
        return "b50_100"
    if people <= 500:
        return "b100_500"
    return "gt500"


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """The report month (``YYYY-MM``) a moment falls in, in the district's zone."""
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"  # strftime costs 3× at rebuild rates


def month_of_period_key(period_key: str | None) -> str | None:
    """A screening period's month from its key (``451102:2026-12-01``)."""
    if not period_key or ":" not in period_key:
        return None
    day = period_key.split(":", 1)[1]
    return day[:7] if len(day) >= 7 else None


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def months_back(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month``, oldest first (the trend chart)."""
    out = [month]
    while len(out) < count:
        out.append(previous_month(out[-1]))
    return out[::-1]


def valid_month(month: str) -> bool:
    return (
        len(month) == 7
        and month[4] == "-"
        and month[:4].isdigit()
        and month[5:].isdigit()
        and 1 <= int(month[5:]) <= 12
    )


# --- policy: data per district -----------------------------------------------------


@dataclass(frozen=True)
class ReportPolicy:
    """A district's practice (data, not code): the day of the following month by which
    each level submits, the time of day, and what makes a dispute major (重大)."""

    deadline_day: Mapping[str, int]
    deadline_time: time = time(18, 0)
    timezone: str = "Asia/Shanghai"
    major_people: int = 50
    major_signals: frozenset[str] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def deadline(self, level: str, month: str) -> datetime:
        """When ``level``'s report of ``month`` is due: a day of the following month."""
        following = next_month(month)
        day = date(int(following[:4]), int(following[5:]), self.deadline_day[level])
        return datetime.combine(day, self.deadline_time, tzinfo=self.zone)

    def is_major(self, people: int | None, signals: Iterable[str]) -> bool:
        return (people is not None and people >= self.major_people) or bool(
            self.major_signals.intersection(signals)
        )


@cache
def load_policies(path: Path = POLICY_FILE) -> dict[str, ReportPolicy]:
    """Every district's policy; ``default`` applies to districts without their own."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, ReportPolicy] = {}
    for code, entry in raw["districts"].items():
        hour, minute = (int(x) for x in entry.get("deadline_time", "18:00").split(":"))
        out[code] = ReportPolicy(
            deadline_day=dict(entry["deadline_day"]),
            deadline_time=time(hour, minute),
            timezone=entry.get("timezone", "Asia/Shanghai"),
            major_people=int(entry.get("major_people", 50)),
            major_signals=frozenset(entry.get("major_signals", [])),
        )
    return out


def policy_for(unit_code: str, policies: Mapping[str, ReportPolicy]) -> ReportPolicy:
    return policies.get(unit_code[:6]) or policies["default"]


# --- figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimitRates:
    """The time-limit issue's rates of one row in the month (三率 and on-time closure,
    ``domain/rates.py``; DOMAIN.md "Rates, written down"), kept as numerator and
    denominator counts: rows add up count by count, and a rate is always computed from
    the summed counts, never averaged over rows.

    响应率 = responded_in_time / due_to_respond; 解决率 = resolved / due_to_close;
    按期结案率 = closed_on_time / due_to_close; 满意率 = satisfied / rated."""

    due_to_respond: int = 0
    responded_in_time: int = 0
    due_to_close: int = 0
    resolved: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0

    def __add__(self, other: TimeLimitRates) -> TimeLimitRates:
        return TimeLimitRates(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def response_rate(self) -> float | None:
        """响应率 = answered by the accept limit / due to be answered."""
        return _rate(self.responded_in_time, self.due_to_respond)

    @property
    def resolution_rate(self) -> float | None:
        """解决率 = closed as resolved / due to close."""
        return _rate(self.resolved, self.due_to_close)

    @property
    def on_time_closure_rate(self) -> float | None:
        """按期结案率 = closed by the closing limit / due to close."""
        return _rate(self.closed_on_time, self.due_to_close)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = rated 满意 / rated (an unrated case in neither)."""
        return _rate(self.satisfied, self.rated)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> TimeLimitRates:
        return cls(**{f.name: int(str(raw.get(f.name, 0) or 0)) for f in fields(cls)})


TIME_LIMIT_COUNTS = tuple(f.name for f in fields(TimeLimitRates))
TIME_LIMIT_RATES = ("response_rate", "resolution_rate", "on_time_closure_rate", "satisfaction_rate")
# A row's key: area × category × level.
RowKey = tuple[str, str, str]


@dataclass(frozen=True)
class Figures:
    """The counts of one row of the report (one area × category × level, or a sum)."""

    screened: int = 0
    accepted: int = 0
    mediated: int = 0
    succeeded: int = 0
    major: int = 0
    lt50: int = 0
    b50_100: int = 0
    b100_500: int = 0
    gt500: int = 0
    returns: int = 0
    nil_reports: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def mediation_rate(self) -> float | None:
        """调处率 = mediated / screened (DOMAIN.md "Rates, written down")."""
        return _rate(self.mediated, self.screened)

    @property
    def success_rate(self) -> float | None:
        """成功率 = succeeded / accepted for mediation (DOMAIN.md "Rates, written down")."""
        return _rate(self.succeeded, self.accepted)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> Figures:
        return cls(**{f.name: int(str(raw.get(f.name, 0) or 0)) for f in fields(cls)})


COUNT_COLUMNS = tuple(f.name for f in fields(Figures))


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 4)


def total(figures: Iterable[Figures]) -> Figures:
    out = Figures()
    for f in figures:
        out = out + f
    return out


def total_time_limits(rates: Iterable[TimeLimitRates]) -> TimeLimitRates:
    out = TimeLimitRates()
    for r in rates:
        out = out + r
    return out


@dataclass(frozen=True)
class ReportRow:
    """One line of a report: an area (a child unit, or the unit itself) × category ×
    level, with this month, the year to date and the previous month."""

    area_code: str
    category: str
    level: str
    month: Figures
    year_to_date: Figures
    previous: Figures
    source: str = "live"  # live counts, or "accepted": the child's accepted report
    time_limits: TimeLimitRates = field(default_factory=TimeLimitRates)  # this month

    @property
    def key(self) -> RowKey:
        return (self.area_code, self.category, self.level)

    @property
    def month_on_month(self) -> int:
        """Change in screened disputes against the previous month (环比)."""
        return self.month.screened - self.previous.screened


def with_source(rows: Iterable[ReportRow], source: str) -> list[ReportRow]:
    return [replace(r, source=source) for r in rows]


def join_time_limits(
    rows: Iterable[ReportRow], limits: Mapping[RowKey, TimeLimitRates]
) -> list[ReportRow]:
    """Each row with its time-limit counts (same area × category × level); a key with
    time-limit counts and no row of counts this year gets a row of its own (a case
    whose limit fell due this month may have been found and accepted in another).
    Sorted by key, as the counts come."""
    out = [replace(r, time_limits=limits[r.key]) if r.key in limits else r for r in rows]
    have = {r.key for r in out}
    out += [
        ReportRow(area, category, level, Figures(), Figures(), Figures(), time_limits=rates)
        for (area, category, level), rates in limits.items()
        if (area, category, level) not in have
    ]
    return sorted(out, key=lambda r: r.key)


# --- submission workflow ------------------------------------------------------------


class SubmissionRefused(ValueError):
    """A workflow step that the report's state does not allow: (field, code, en, zh)."""

    def __init__(self, code: str, en: str, zh: str):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


SUBMITTED, RETURNED, ACCEPTED = "submitted", "returned", "accepted"


def check_submit(status: str | None, level: str) -> None:
    """A level submits a report not yet submitted, or one returned to it; an accepted
    report is final (seed 001: the level above aggregates what it accepted)."""
    if level not in SUBMITTING_LEVELS:
        raise SubmissionRefused(
            "level",
            "Only a community, street or district submits.",
            "仅社区、街道、区县上报月报告。",
        )
    if status == SUBMITTED:
        raise SubmissionRefused(
            "status", "Already submitted: wait for the answer.", "已上报，请等待上级审核。"
        )
    if status == ACCEPTED:
        raise SubmissionRefused(
            "status", "Already accepted by the level above.", "上级已接收，不能再次上报。"
        )


def check_decision(status: str | None) -> None:
    """Only a submitted report can be accepted or returned."""
    if status != SUBMITTED:
        raise SubmissionRefused(
            "status",
            "Only a submitted report can be accepted or returned.",
            "仅可审核已上报的报告。",
        )


def is_late(submitted_at: datetime, deadline: datetime) -> bool:
    return submitted_at > deadline


# --- assembling a level's report ----------------------------------------------------


def rollup(rows: Iterable[ReportRow], digits: int, source: str) -> list[ReportRow]:
    """Merge rows by area prefix (``digits``) × category × level: a grid's rows become
    its community's, a community's its street's (codes nest, DOMAIN.md)."""
    merged: dict[RowKey, tuple[Figures, Figures, Figures, TimeLimitRates]] = {}
    for r in rows:
        key = (r.area_code[:digits], r.category, r.level)
        m, y, p, t = merged.get(key, (Figures(), Figures(), Figures(), TimeLimitRates()))
        merged[key] = (
            m + r.month,
            y + r.year_to_date,
            p + r.previous,
            t + r.time_limits,  # counts add; the rates follow from the sums
        )
    return [
        ReportRow(area, cat, lvl, m, y, p, source, t)
        for (area, cat, lvl), (m, y, p, t) in sorted(merged.items())
    ]


def row_to_dict(row: ReportRow) -> dict[str, object]:
    return {
        "area_code": row.area_code,
        "category": row.category,
        "level": row.level,
        "month": row.month.as_dict(),
        "year_to_date": row.year_to_date.as_dict(),
        "previous": row.previous.as_dict(),
        "time_limits": row.time_limits.as_dict(),
    }


def row_from_dict(raw: Mapping[str, object], source: str) -> ReportRow:
    def part(name: str) -> Mapping[str, object]:
        value = raw.get(name)
        return value if isinstance(value, Mapping) else {}

    return ReportRow(
        str(raw["area_code"]),
        str(raw["category"]),
        str(raw["level"]),
        Figures.from_dict(part("month")),
        Figures.from_dict(part("year_to_date")),
        Figures.from_dict(part("previous")),
        source,
        # A snapshot taken before the rates were joined in has none: zero counts.
        TimeLimitRates.from_dict(part("time_limits")),
    )


def assemble(
    live: Iterable[ReportRow], accepted: Mapping[str, Iterable[ReportRow]], child_digits: int
) -> list[ReportRow]:
    """A level's report: each child's accepted report where there is one (汇总再统一上报,
    seed 001), the live counts for the others (marked ``live``: not yet accepted)."""
    rows = rollup(
        [r for r in live if r.area_code[:child_digits] not in accepted], child_digits, "live"
    )
    for child in sorted(accepted):
        rows += rollup(accepted[child], child_digits, "accepted")
    return sorted(rows, key=lambda r: (r.area_code, r.category, r.level))


@dataclass(frozen=True)
class ChildStatus:
    """Where a child unit's report stands, for the level above."""

    unit_code: str
    name: str
    status: str | None  # submitted | returned | accepted | None (nothing yet)
    late: bool | None
    missing_flagged: bool


@dataclass(frozen=True)
class MonthlyReport:
    unit_code: str
    unit_name: str
    level: str
    month: str
    rows: list[ReportRow]
    status: str | None
    version: int | None
    deadline: datetime
    late: bool | None
    return_reason: str | None
    children: list[ChildStatus]
    trend: dict[str, Figures] = field(default_factory=dict)

    @property
    def totals(self) -> tuple[Figures, Figures, Figures]:
        return (
            total(r.month for r in self.rows),
            total(r.year_to_date for r in self.rows),
            total(r.previous for r in self.rows),
        )

    @property
    def time_limit_totals(self) -> TimeLimitRates:
        """This month's time-limit counts over every row (合计), summed, not averaged."""
        return total_time_limits(r.time_limits for r in self.rows)


def may_decide_for(unit_codes: Iterable[str], unit_code: str) -> bool:
    """Only the level above (an operator whose unit strictly contains the report's
    unit, e.g. the street for a community) accepts or returns it."""
    parent_digits = {12: 9, 9: 6}.get(len(unit_code))
    if parent_digits is None:
        return False
    parent = unit_code[:parent_digits]
    return any(parent.startswith(c) and c.isdigit() for c in unit_codes)
