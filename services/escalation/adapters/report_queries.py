"""Reads of the monthly report: the rows of one unit's report (its children × category
× level; this month, the year to date and the previous month), the month's time-limit
counts on the same rows, the submissions of a unit and its children, and the unit's
name. Jurisdiction: the caller must cover the unit (checked by the route)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.report_repository import Submission
from services.escalation.adapters.report_tables import COUNT_NAMES, report_submissions
from services.escalation.adapters.screening_tables import registry_units
from services.escalation.adapters.tables import SCHEMA
from services.escalation.domain.monthly_report import (
    Figures,
    ReportRow,
    RowKey,
    TimeLimitRates,
)
from services.escalation.domain.rates import RESOLVED_RESULTS, Period
from services.escalation.domain.satisfaction import SATISFIED


def _sums(condition: str) -> str:
    return ", ".join(f"coalesce(sum({n}) FILTER (WHERE {condition}), 0)" for n in COUNT_NAMES)


# One pass over the unit's counts for the three periods; ``month`` is text YYYY-MM so
# ranges compare as strings.
_COUNTS = text(f"""
SELECT left(area_code, :digits) AS area, category, level,
  {_sums("month = :month")},
  {_sums("month BETWEEN :year_start AND :month")},
  {_sums("month = :previous")}
FROM {SCHEMA}.report_counts
WHERE area_code LIKE :prefix AND month BETWEEN least(:year_start, :previous) AND :month
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
""")

_RETURNS = text(f"""
SELECT left(grid_code, :digits) AS area,
  count(*) FILTER (WHERE month = :month), count(*) FILTER (WHERE month = :month AND nil_report),
  count(*) FILTER (WHERE month BETWEEN :year_start AND :month),
  count(*) FILTER (WHERE month BETWEEN :year_start AND :month AND nil_report),
  count(*) FILTER (WHERE month = :previous),
  count(*) FILTER (WHERE month = :previous AND nil_report)
FROM {SCHEMA}.report_returns
WHERE grid_code LIKE :prefix AND month BETWEEN least(:year_start, :previous) AND :month
GROUP BY 1
ORDER BY 1
""")

NO_CATEGORY = ""  # the row that carries an area's screening returns (零报告)
RETURNS_LEVEL = "grid"


def _figures(values: list[Any]) -> Figures:
    return Figures(**dict(zip(COUNT_NAMES, (int(v) for v in values), strict=True)))


async def live_rows(
    conn: AsyncConnection, unit_code: str, child_digits: int, month: str, previous: str
) -> list[ReportRow]:
    """The counts under ``unit_code`` grouped by its children (``child_digits`` of the
    area code) × category × level, plus one row per child with its returns."""
    params = {
        "digits": child_digits,
        "prefix": unit_code + "%",
        "month": month,
        "previous": previous,
        "year_start": month[:4] + "-01",
    }
    n = len(COUNT_NAMES)
    rows: list[ReportRow] = []
    for r in await conn.execute(_COUNTS, params):
        values = list(r)[3:]
        rows.append(
            ReportRow(
                r.area,
                r.category,
                r.level,
                _figures(values[:n]),
                _figures(values[n : 2 * n]),
                _figures(values[2 * n :]),
            )
        )
    for r in await conn.execute(_RETURNS, params):
        m, mn, y, yn, p, pn = (int(v) for v in list(r)[1:])
        rows.append(
            ReportRow(
                r.area,
                NO_CATEGORY,
                RETURNS_LEVEL,
                Figures(returns=m, nil_reports=mn),
                Figures(returns=y, nil_reports=yn),
                Figures(returns=p, nil_reports=pn),
            )
        )
    return rows


# The month's time-limit counts of the disputes under the unit, at their report area and
# category (rate_facts.area_code is report_cases' own, copied when the report places the
# dispute) and at the level of the unit whose limit it was (or that was rated). One pass
# over the unit's rate facts with a limit due, or a rating given, in the period. The rules
# are domain/rates.py's, one FILTER each:
# - due_to_respond: the accept limit falls in the period and is decided (answered, or
#   passed by :now); responded_in_time: answered by the limit;
# - due_to_close: the closing limit falls in the period and is decided; resolved: closed
#   with a result in RESOLVED_RESULTS; closed_on_time: closed by the limit;
# - rated / satisfied: ratings given in the period (满意率, domain/satisfaction.py).
# Grouped by the three levels at once; ``time_limit_rows`` puts each count at its own.
_TIME_LIMITS = text(f"""
SELECT left(area_code, :digits) AS area, category,
  coalesce(accept_level, 'unknown') AS accept_level,
  coalesce(close_level, 'unknown') AS close_level,
  coalesce(rated_level, 'unknown') AS rated_level,
  count(*) FILTER (WHERE accept_in AND (responded_at IS NOT NULL OR accept_due_at <= :now)),
  count(*) FILTER (WHERE accept_in AND responded_at <= accept_due_at),
  count(*) FILTER (WHERE close_in AND (closed_at IS NOT NULL OR close_due_at <= :now)),
  count(*) FILTER (WHERE close_in AND closed_at IS NOT NULL
    AND close_result = ANY(CAST(:resolved AS text[]))),
  count(*) FILTER (WHERE close_in AND closed_at <= close_due_at),
  count(*) FILTER (WHERE rated_in),
  count(*) FILTER (WHERE rated_in AND rating = ANY(CAST(:satisfied AS text[])))
FROM (
  SELECT *, accept_due_at >= :start AND accept_due_at < :end AS accept_in,
    close_due_at >= :start AND close_due_at < :end AS close_in,
    rated_at >= :start AND rated_at < :end AS rated_in
  FROM {SCHEMA}.rate_facts
  WHERE area_code LIKE :prefix
    AND (accept_due_at >= :start AND accept_due_at < :end
      OR close_due_at >= :start AND close_due_at < :end
      OR rated_at >= :start AND rated_at < :end)
) AS f
GROUP BY 1, 2, 3, 4, 5
""")


_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def time_limit_rows(
    conn: AsyncConnection,
    unit_code: str,
    child_digits: int,
    period: Period,
    now: datetime,
) -> dict[RowKey, TimeLimitRates]:
    """The month's time-limit counts under ``unit_code`` by child area (``child_digits``
    of the area code) × category × level, as of ``now`` (a limit counts once answered
    or passed)."""
    params = {
        "digits": child_digits,
        "prefix": unit_code + "%",
        "start": period.start,
        "end": period.end,
        "now": now,
        "resolved": sorted(RESOLVED_RESULTS),
        "satisfied": sorted(SATISFIED),
    }
    # A prepared statement turns generic after five runs, and the generic plan (no idea
    # how many of the month's facts match) sorts them all to group: twice as slow at a
    # district. Plan each run for its own unit and month (this transaction only).
    await conn.execute(_CUSTOM_PLANS)
    out: dict[RowKey, TimeLimitRates] = {}

    def add(key: RowKey, counts: TimeLimitRates) -> None:
        if counts != TimeLimitRates():
            out[key] = out.get(key, TimeLimitRates()) + counts

    for r in await conn.execute(_TIME_LIMITS, params):
        due_r, in_time, due_c, resolved, on_time, rated, satisfied = (int(v) for v in list(r)[5:])
        add((r.area, r.category, r.accept_level), TimeLimitRates(due_r, in_time))
        add(
            (r.area, r.category, r.close_level),
            TimeLimitRates(due_to_close=due_c, resolved=resolved, closed_on_time=on_time),
        )
        add((r.area, r.category, r.rated_level), TimeLimitRates(rated=rated, satisfied=satisfied))
    return out


async def trend(conn: AsyncConnection, unit_code: str, months: list[str]) -> dict[str, Figures]:
    """Totals per month (the chart of the trend)."""
    result = await conn.execute(_TREND, {"prefix": unit_code + "%", "months": months})
    out = {m: Figures() for m in months}
    for r in result:
        out[r.month] = _figures(list(r)[1:])
    return out


_TREND = text(f"""
SELECT month, {", ".join(f"coalesce(sum({n}), 0)" for n in COUNT_NAMES)}
FROM {SCHEMA}.report_counts
WHERE area_code LIKE :prefix AND month = ANY(CAST(:months AS text[]))
GROUP BY month
""")


async def submission(conn: AsyncConnection, unit_code: str, month: str) -> Submission | None:
    row = (await conn.execute(_ONE, {"unit": unit_code, "month": month})).first()
    return None if row is None else Submission(**row._mapping)


async def child_submissions(
    conn: AsyncConnection, unit_code: str, child_digits: int, month: str
) -> list[Submission]:
    rows = await conn.execute(
        _CHILDREN, {"prefix": unit_code, "digits": child_digits, "month": month}
    )
    return [Submission(**row._mapping) for row in rows]


async def child_units(conn: AsyncConnection, unit_code: str, level: str) -> dict[str, str]:
    rows = await conn.execute(_CHILD_UNITS, {"prefix": unit_code, "level": level})
    return {row.code: row.name for row in rows}


async def unit_name(conn: AsyncConnection, unit_code: str) -> str | None:
    row = (await conn.execute(_NAME, {"code": unit_code})).first()
    return None if row is None else str(row.name)


_ONE = select(report_submissions).where(
    report_submissions.c.unit_code == bindparam("unit"),
    report_submissions.c.month == bindparam("month"),
)
_CHILDREN = (
    select(report_submissions)
    .where(
        report_submissions.c.unit_code.startswith(bindparam("prefix")),
        text("length(unit_code) = :digits"),
        report_submissions.c.month == bindparam("month"),
    )
    .order_by(report_submissions.c.unit_code)
)
_CHILD_UNITS = (
    select(registry_units.c.code, registry_units.c.name)
    .where(
        registry_units.c.level == bindparam("level"),
        registry_units.c.code.startswith(bindparam("prefix")),
    )
    .order_by(registry_units.c.code)
)
_NAME = select(registry_units.c.name).where(registry_units.c.code == bindparam("code"))
