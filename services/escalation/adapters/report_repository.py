"""Writes of the monthly report: the per-case facts and counts (the read model the
stream rebuilds), the returns, and the submissions up the tree.

Hot path: each kind of write is one statement over the batch's rows (one JSON array,
``json_to_recordset``), built once, so a consumer batch is at most three round trips
(cases and their facts, counts) however many events it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
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

# Batches travel as one JSON array of rows (``json_to_recordset``): encoding a dozen
# parallel arrays element by element cost more than the statements themselves.
#
# A new case comes with the facts of its batch already applied (so a batch of new cases
# is one statement). A case found in screening without a grid takes the grid of its
# task's return when the return came first (report_returns); else it waits for the
# return (``place_by_task``).
_OLD_COLUMNS = ("area_code", "accepted_month", "mediated_month", "succeeded_month")

_INSERT_CASES = f"""
INSERT INTO {SCHEMA}.report_cases AS c
  (case_id, area_code, category, band, major, screened, found_month, screening_task_id,
   accepted_month, accepted_level, mediated_month, closed_level, succeeded_month)
SELECT u.case_id, coalesce(nullif(u.area_code, ''), r.grid_code, ''), u.category, u.band,
  u.major, u.screened, u.found_month, u.screening_task_id, u.accepted_month, u.accepted_level,
  u.mediated_month, u.closed_level, u.succeeded_month
FROM json_to_recordset(CAST(:cases AS json)) AS u(
  case_id text, area_code text, category text, band text, major boolean, screened boolean,
  found_month text, screening_task_id text, accepted_month text, accepted_level text,
  mediated_month text, closed_level text, succeeded_month text)
LEFT JOIN {SCHEMA}.report_returns r ON r.task_id = u.screening_task_id
ON CONFLICT (case_id) DO NOTHING
RETURNING {_CASE_COLUMNS}, {", ".join(f"NULL::text AS old_{n}" for n in _OLD_COLUMNS)}
"""

# The facts of cases already there, on the primary key: a case not found in screening
# and without a grid takes the unit of its first assignment; each once-per-case fact
# (accepted, mediated, succeeded) is recorded if it is not yet. Rows where nothing
# changes are not written (a replay writes nothing); RETURNING gives the values before
# (``old_*``) and after, so the caller counts what is new.
_APPLY_FACTS = f"""
UPDATE {SCHEMA}.report_cases AS c SET
  area_code = CASE WHEN c.area_code = '' AND c.screening_task_id IS NULL AND u.unit IS NOT NULL
    THEN u.unit ELSE c.area_code END,
  accepted_month = coalesce(c.accepted_month, u.accepted_month),
  accepted_level = CASE WHEN c.accepted_month IS NULL AND u.accepted_month IS NOT NULL
    THEN u.accepted_level ELSE c.accepted_level END,
  mediated_month = coalesce(c.mediated_month, u.mediated_month),
  closed_level = CASE WHEN c.mediated_month IS NULL AND u.mediated_month IS NOT NULL
    THEN u.closed_level ELSE c.closed_level END,
  succeeded_month = coalesce(c.succeeded_month, u.succeeded_month)
FROM json_to_recordset(CAST(:facts AS json)) AS u(
  case_id text, unit text, accepted_month text, accepted_level text, mediated_month text,
  closed_level text, succeeded_month text)
WHERE c.case_id = u.case_id
  AND ((u.unit IS NOT NULL AND c.area_code = '' AND c.screening_task_id IS NULL)
    OR (u.accepted_month IS NOT NULL AND c.accepted_month IS NULL)
    OR (u.mediated_month IS NOT NULL AND c.mediated_month IS NULL)
    OR (u.succeeded_month IS NOT NULL AND c.succeeded_month IS NULL))
RETURNING {_CASE_COLUMNS}, {", ".join(f"old.{n} AS old_{n}" for n in _OLD_COLUMNS)}
"""

# Both in one round trip. They touch different cases (the caller sends facts here only
# for cases not in ``cases``), so neither needs to see the other's rows (a statement's
# CTEs share one snapshot).
_FOLD_CASES = text(f"""
WITH inserted AS ({_INSERT_CASES}), changed AS ({_APPLY_FACTS})
SELECT true AS inserted, * FROM inserted UNION ALL SELECT false, * FROM changed
""")
_UPDATE_CASES = text(f"WITH changed AS ({_APPLY_FACTS}) SELECT false AS inserted, * FROM changed")

# Found in screening: the grid of the return.
_PLACE_BY_TASK = text(f"""
UPDATE {SCHEMA}.report_cases AS c SET area_code = :grid
WHERE c.screening_task_id = :task AND c.area_code = ''
RETURNING {_CASE_COLUMNS}
""")

# Keys sorted by the caller: concurrent batches take the rows' locks in the same order.
_ADD_COUNTS = text(
    f"""
INSERT INTO {SCHEMA}.report_counts (area_code, month, category, level, {", ".join(COUNT_NAMES)})
SELECT u.area_code, u.month, u.category, u.level,
  {", ".join(f"coalesce(u.{n}, 0)" for n in COUNT_NAMES)}
FROM json_to_recordset(CAST(:rows AS json)) AS u(
  area_code text, month text, category text, level text,
  {", ".join(f"{n} int" for n in COUNT_NAMES)})
ON CONFLICT (area_code, month, category, level) DO UPDATE SET
"""
    + ",\n".join(f"  {n} = report_counts.{n} + excluded.{n}" for n in COUNT_NAMES)
)

_INSERT_RETURN = insert(report_returns).on_conflict_do_nothing()


class ReportRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    # -- read model (rebuilt from the stream) ------------------------------------------

    async def fold_cases(
        self, cases: Sequence[dict[str, Any]], facts: Sequence[dict[str, Any]]
    ) -> Sequence[Mapping[str, Any]]:
        """Insert new ``cases``, each with the month and level of the facts it already has
        (``accepted_month``, ``accepted_level``, ``mediated_month``, ``closed_level``,
        ``succeeded_month``; absent: not yet), and record ``facts`` on cases already there
        (``apply_facts``), in one round trip. Answers the rows inserted (``inserted``; a
        replayed case is not inserted twice) and the rows changed, with what they had
        before (``old_area_code``, ``old_accepted_month``, ...). A case must not be in
        both."""
        if not cases and not facts:
            return []
        result = await self.conn.execute(
            _FOLD_CASES,
            {"cases": orjson.dumps(cases).decode(), "facts": orjson.dumps(facts).decode()},
        )
        return cast("Sequence[Mapping[str, Any]]", result.mappings().all())

    async def apply_facts(self, facts: Sequence[dict[str, Any]]) -> Sequence[Mapping[str, Any]]:
        """Record on existing cases the unit of their first assignment (``unit``) and the
        once-per-case facts they do not have yet; answers the changed rows as
        ``fold_cases`` does."""
        if not facts:
            return []
        result = await self.conn.execute(_UPDATE_CASES, {"facts": orjson.dumps(facts).decode()})
        return cast("Sequence[Mapping[str, Any]]", result.mappings().all())

    async def place_by_task(self, task_id: str, grid_code: str) -> list[dict[str, Any]]:
        result = await self.conn.execute(_PLACE_BY_TASK, {"task": task_id, "grid": grid_code})
        return [dict(row._mapping) for row in result]

    async def add_counts(self, counts: dict[CountKey, dict[str, int]]) -> None:
        if not counts:
            return
        rows = [
            {"area_code": k[0], "month": k[1], "category": k[2], "level": k[3], **counts[k]}
            for k in sorted(counts)
        ]
        await self.conn.execute(_ADD_COUNTS, {"rows": orjson.dumps(rows).decode()})

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

__all__ = ["CountKey", "ReportRepository", "Submission"]
