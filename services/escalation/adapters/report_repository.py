"""Writes of the monthly report: the per-case facts and counts (the read model the
stream rebuilds), the returns, and the submissions up the tree.

Hot path: each kind of write is one statement over arrays (``unnest``), built once, so
a consumer batch is a handful of round trips however many events it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.report_tables import (
    COUNT_NAMES,
    REBUILT_TABLES,
    report_returns,
    report_submissions,
)
from services.escalation.adapters.screening_tables import registry_units
from services.escalation.adapters.tables import SCHEMA

CountKey = tuple[str, str, str, str]  # area, month, category, level


@dataclass(frozen=True)
class CaseArea:
    """What a counted fact needs of its case."""

    case_id: str
    area_code: str
    category: str


@dataclass(frozen=True)
class Submission:
    unit_code: str
    month: str
    level: str
    status: str | None
    version: int
    snapshot: Any
    submitted_at: datetime | None
    submitted_by: str | None
    late: bool | None
    decided_at: datetime | None
    decided_by: str | None
    return_reason: str | None
    missing_flagged_at: datetime | None


_CASE_COLUMNS = (
    "c.case_id, c.area_code, c.category, c.band, c.major, c.screened, c.found_month,"
    " c.accepted_month, c.accepted_level, c.mediated_month, c.succeeded_month, c.closed_level"
)

# A case found in screening without a grid takes the grid of its task's return when the
# return came first (report_returns); else it waits for the return (``place_by_task``).
_INSERT_CASES = text(f"""
INSERT INTO {SCHEMA}.report_cases AS c
  (case_id, area_code, category, band, major, screened, found_month, screening_task_id)
SELECT u.id, coalesce(nullif(u.area, ''), r.grid_code, ''), u.category, u.band, u.major,
  u.screened, u.month, u.task
FROM unnest(
  CAST(:ids AS text[]), CAST(:areas AS text[]), CAST(:categories AS text[]),
  CAST(:bands AS text[]), CAST(:majors AS boolean[]), CAST(:screened AS boolean[]),
  CAST(:months AS text[]), CAST(:tasks AS text[]))
  AS u(id, area, category, band, major, screened, month, task)
LEFT JOIN {SCHEMA}.report_returns r ON r.task_id = u.task
ON CONFLICT (case_id) DO NOTHING
RETURNING {_CASE_COLUMNS}
""")

# Not found in screening and no grid: the unit of the first assignment.
_PLACE_BY_UNIT = text(f"""
UPDATE {SCHEMA}.report_cases AS c SET area_code = u.area
FROM unnest(CAST(:ids AS text[]), CAST(:areas AS text[])) AS u(id, area)
WHERE c.case_id = u.id AND c.area_code = '' AND c.screening_task_id IS NULL
RETURNING {_CASE_COLUMNS}
""")

# Found in screening: the grid of the return.
_PLACE_BY_TASK = text(f"""
UPDATE {SCHEMA}.report_cases AS c SET area_code = :grid
WHERE c.screening_task_id = :task AND c.area_code = ''
RETURNING {_CASE_COLUMNS}
""")


def _mark(month: str, level: str | None) -> Any:
    """Record a once-per-case fact's month (and level); answers the cases it is new for
    (counted now if their area is known, else when it becomes known)."""
    set_level = f", {level} = u.level" if level else ""
    return text(f"""
UPDATE {SCHEMA}.report_cases AS c SET {month} = u.month{set_level}
FROM unnest(CAST(:ids AS text[]), CAST(:months AS text[]), CAST(:levels AS text[]))
  AS u(id, month, level)
WHERE c.case_id = u.id AND c.{month} IS NULL
RETURNING c.case_id, c.area_code, c.category
""")


_MARKS = {
    "accepted": _mark("accepted_month", "accepted_level"),
    "mediated": _mark("mediated_month", "closed_level"),
    "succeeded": _mark("succeeded_month", None),
}

_ADD_COUNTS = text(
    f"""
INSERT INTO {SCHEMA}.report_counts (area_code, month, category, level, {", ".join(COUNT_NAMES)})
SELECT * FROM unnest(
  CAST(:areas AS text[]), CAST(:months AS text[]), CAST(:categories AS text[]),
  CAST(:levels AS text[]), {", ".join(f"CAST(:{n} AS int[])" for n in COUNT_NAMES)})
ON CONFLICT (area_code, month, category, level) DO UPDATE SET
"""
    + ",\n".join(f"  {n} = report_counts.{n} + excluded.{n}" for n in COUNT_NAMES)
)

_INSERT_RETURN = insert(report_returns).on_conflict_do_nothing()


class ReportRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    # -- read model (rebuilt from the stream) ------------------------------------------

    async def add_cases(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert new cases; the rows that were new (a replayed one is not counted twice)."""
        if not rows:
            return []
        result = await self.conn.execute(
            _INSERT_CASES,
            {
                "ids": [r["case_id"] for r in rows],
                "areas": [r["area_code"] for r in rows],
                "categories": [r["category"] for r in rows],
                "bands": [r["band"] for r in rows],
                "majors": [r["major"] for r in rows],
                "screened": [r["screened"] for r in rows],
                "months": [r["found_month"] for r in rows],
                "tasks": [r["screening_task_id"] for r in rows],
            },
        )
        return [dict(row._mapping) for row in result]

    async def place_by_unit(self, areas: dict[str, str]) -> list[dict[str, Any]]:
        """Cases not found in screening and without a grid take their first assignment's
        unit; the rows placed now."""
        if not areas:
            return []
        result = await self.conn.execute(
            _PLACE_BY_UNIT, {"ids": list(areas), "areas": list(areas.values())}
        )
        return [dict(row._mapping) for row in result]

    async def place_by_task(self, task_id: str, grid_code: str) -> list[dict[str, Any]]:
        result = await self.conn.execute(_PLACE_BY_TASK, {"task": task_id, "grid": grid_code})
        return [dict(row._mapping) for row in result]

    async def mark(self, fact: str, facts: dict[str, tuple[str, str]]) -> list[CaseArea]:
        """Record ``fact`` (accepted, mediated, succeeded) once per case: (month, level)."""
        if not facts:
            return []
        result = await self.conn.execute(
            _MARKS[fact],
            {
                "ids": list(facts),
                "months": [m for m, _ in facts.values()],
                "levels": [lv for _, lv in facts.values()],
            },
        )
        return [CaseArea(row.case_id, row.area_code, row.category) for row in result]

    async def add_counts(self, counts: dict[CountKey, dict[str, int]]) -> None:
        if not counts:
            return
        keys = sorted(counts)
        params: dict[str, Any] = {
            "areas": [k[0] for k in keys],
            "months": [k[1] for k in keys],
            "categories": [k[2] for k in keys],
            "levels": [k[3] for k in keys],
        }
        for name in COUNT_NAMES:
            params[name] = [counts[k].get(name, 0) for k in keys]
        await self.conn.execute(_ADD_COUNTS, params)

    async def add_return(self, row: dict[str, Any]) -> None:
        await self.conn.execute(_INSERT_RETURN, row)

    async def truncate_read_model(self) -> None:
        """Empty the tables the stream rebuilds (the rebuild test and bench)."""
        names = ", ".join(f"{SCHEMA}.{t.name}" for t in REBUILT_TABLES)
        await self.conn.execute(text(f"TRUNCATE {names}"))

    # -- submissions (the workflow) -----------------------------------------------------

    async def lock(self, unit_code: str, month: str) -> Submission | None:
        row = (
            await self.conn.execute(
                _SELECT_SUBMISSION.with_for_update(), {"unit": unit_code, "month": month}
            )
        ).first()
        return None if row is None else Submission(**row._mapping)

    async def save(self, values: dict[str, Any]) -> None:
        stmt = insert(report_submissions).values(**values)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["unit_code", "month"],
                set_={k: v for k, v in values.items() if k not in ("unit_code", "month")},
            )
        )

    async def flag_missing(
        self, units: Iterable[tuple[str, str]], month: str, flagged_at: datetime
    ) -> list[tuple[str, str | None]]:
        """Flag every unit (code, level) whose report of ``month`` is neither submitted
        nor accepted and not yet flagged; answers (code, status) of those flagged now."""
        flagged: list[tuple[str, str | None]] = []
        for code, level in units:
            stmt = insert(report_submissions).values(
                unit_code=code,
                month=month,
                level=level,
                status=None,
                version=0,
                missing_flagged_at=flagged_at,
            )
            result = await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["unit_code", "month"],
                    set_={"missing_flagged_at": flagged_at},
                    where=(report_submissions.c.missing_flagged_at.is_(None))
                    & (
                        report_submissions.c.status.is_(None)
                        | (report_submissions.c.status == "returned")
                    ),
                ).returning(report_submissions.c.status)
            )
            row = result.first()
            if row is not None:
                flagged.append((code, row.status))
        return flagged

    async def units_under(self, district_code: str, level: str) -> list[str]:
        rows = await self.conn.execute(_UNITS_UNDER, {"prefix": district_code, "level": level})
        return [row.code for row in rows]


_SELECT_SUBMISSION = select(report_submissions).where(
    report_submissions.c.unit_code == bindparam("unit"),
    report_submissions.c.month == bindparam("month"),
)
_UNITS_UNDER = (
    select(registry_units.c.code)
    .where(
        registry_units.c.level == bindparam("level"),
        registry_units.c.code.startswith(bindparam("prefix")),
    )
    .order_by(registry_units.c.code)
)

__all__ = ["CaseArea", "CountKey", "ReportRepository", "Submission"]
