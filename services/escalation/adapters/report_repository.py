"""Writes of the monthly report: the per-case facts and counts (the read model the
stream rebuilds), the returns, and the submissions up the tree.

Hot path: each kind of write is one statement over the batch's rows (one JSON array,
``json_to_recordset``), built once, so a consumer batch's cases, facts and counts are
one round trip however many events it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from services.escalation.domain.monthly_report import BANDS, LEVEL_DIGITS

CountKey = tuple[str, str, str, str]  # area, month, category, level

# The advisory lock between a rebuild and the live folds (``wait_for_rebuild``).
_LOCK = {"k": "gridcase.escalation.report-rebuild"}


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
# A batch's cases and counts are one statement (``_FOLD``): the new cases inserted, the
# facts of cases already there recorded, and the counts those changes bring added, in
# SQL from the rows written, so nothing comes back to count in Python.
#
# A new case comes with the facts of its batch already applied. A case found in
# screening without a grid takes the grid of its task's return when the return came
# first (report_returns); else it waits for the return (``place_by_task``).
_NEW_CASES = f"""
INSERT INTO {SCHEMA}.report_cases AS c
  (case_id, area_code, category, band, major, screened, found_month, screening_task_id,
   accepted_month, accepted_level, mediated_month, closed_level, succeeded_month)
SELECT u.case_id, coalesce(nullif(u.area_code, ''), r.grid_code, ''), u.category, u.band,
  u.major, u.screened, u.found_month, u.screening_task_id, u.accepted_month, u.accepted_level,
  u.mediated_month, u.closed_level, u.succeeded_month
FROM new u LEFT JOIN {SCHEMA}.report_returns r ON r.task_id = u.screening_task_id
ON CONFLICT (case_id) DO NOTHING
RETURNING c.case_id, c.area_code, c.category, c.band, c.major, c.screened, c.found_month,
  c.accepted_month, c.accepted_level, c.mediated_month, c.closed_level, c.succeeded_month
"""

# The facts of cases already there, on the primary key: a case not found in screening
# and without a grid takes the unit of its first assignment; each once-per-case fact
# (accepted, mediated, succeeded) is recorded if it is not yet. Rows where nothing
# changes are not written (a replay writes nothing); RETURNING gives the values before
# (``old_*``), after, and the facts sent (``u_*``: the month and level they count at).
_FACT_COLUMNS = (
    "accepted_month",
    "accepted_level",
    "mediated_month",
    "closed_level",
    "succeeded_month",
    "succeeded_level",
)
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
  case_id text, unit text, {", ".join(f"{n} text" for n in _FACT_COLUMNS)})
WHERE c.case_id = u.case_id
  AND ((u.unit IS NOT NULL AND c.area_code = '' AND c.screening_task_id IS NULL)
    OR (u.accepted_month IS NOT NULL AND c.accepted_month IS NULL)
    OR (u.mediated_month IS NOT NULL AND c.mediated_month IS NULL)
    OR (u.succeeded_month IS NOT NULL AND c.succeeded_month IS NULL))
RETURNING c.case_id, c.area_code, c.category, c.band, c.major, c.screened, c.found_month,
  c.accepted_level, c.closed_level, old.area_code AS old_area_code,
  old.accepted_month AS old_accepted_month, old.mediated_month AS old_mediated_month,
  old.succeeded_month AS old_succeeded_month,
  {", ".join(f"u.{n} AS u_{n}" for n in _FACT_COLUMNS)}
"""

# The level of a case's area (domain.monthly_report.level_of, else grid).
_AREA_LEVEL = (
    "CASE length(area_code) "
    + " ".join(f"WHEN {digits} THEN '{level}'" for level, digits in LEVEL_DIGITS.items())
    + " ELSE 'grid' END"
)


def _delta(rows: str, month: str, level: str, where: str, **counts: str) -> str:
    """A branch of ``_DELTAS``: per case of ``rows`` that ``where`` selects, its count
    key (its area and category, ``month``, ``level``) and the counts it adds there."""
    values = ", ".join(counts.get(n, "0") for n in COUNT_NAMES)
    return f"SELECT area_code, category, {month}, {level}, {values} FROM {rows} WHERE {where}"


# What a case brings when it is found (or placed): screened, major, its band.
_FOUND = {
    "screened": "screened::int",
    "major": "major::int",
    **{band: f"coalesce((band = '{band}')::int, 0)" for band in BANDS},
}
_PLACED = "area_code <> '' AND old_area_code = ''"
_ADDED = "area_code <> '' AND old_{0}_month IS NULL AND u_{0}_month IS NOT NULL"

# Per case written, the counts it brings: a new case its found counts and its facts; a
# case placed now its found counts and the facts it had; a fact recorded now, at the
# month and level of the event that brought it. (UNION ALL rather than a LATERAL VALUES
# per case: PostgreSQL compiles a VALUES list's expressions again for every outer row.)
_DELTAS = "\nUNION ALL\n".join(
    (
        _delta("ins", "found_month", _AREA_LEVEL, "true", **_FOUND),
        _delta(
            "ins", "accepted_month", "accepted_level", "accepted_month IS NOT NULL", accepted="1"
        ),
        _delta("ins", "mediated_month", "closed_level", "mediated_month IS NOT NULL", mediated="1"),
        _delta(
            "ins",
            "succeeded_month",
            "succeeded_level",
            "succeeded_month IS NOT NULL",
            succeeded="1",
        ),
        _delta("changed", "found_month", _AREA_LEVEL, _PLACED, **_FOUND),
        *(
            _delta(
                "changed",
                f"old_{name}_month",
                level,
                f"{_PLACED} AND old_{name}_month IS NOT NULL",
                **{name: "1"},
            )
            for name, level in (
                ("accepted", "accepted_level"),
                ("mediated", "closed_level"),
                ("succeeded", "closed_level"),
            )
        ),
        *(
            _delta("changed", f"u_{name}_month", f"u_{level}", _ADDED.format(name), **{name: "1"})
            for name, level in (
                ("accepted", "accepted_level"),
                ("mediated", "closed_level"),
                ("succeeded", "succeeded_level"),
            )
        ),
    )
)

_KEY = ("area_code", "month", "category", "level")
_UPSERT_COUNTS = f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET\n" + ",\n".join(
    f"  {n} = report_counts.{n} + excluded.{n}" for n in COUNT_NAMES
)

# The new cases (``:cases``, each with its batch's facts) and the facts of cases already
# there (``:facts``) touch different cases, so neither needs to see the other's rows (a
# statement's CTEs share one snapshot). Answers the new cases that were there already (a
# replayed submission), whose facts the caller then records with ``:cases`` empty.
_FOLD = text(f"""
WITH new AS MATERIALIZED (
  SELECT * FROM json_to_recordset(CAST(:cases AS json)) AS u(
    case_id text, area_code text, category text, band text, major boolean, screened boolean,
    found_month text, screening_task_id text, {", ".join(f"{n} text" for n in _FACT_COLUMNS)})
),
inserted AS ({_NEW_CASES}),
changed AS ({_APPLY_FACTS}),
ins AS (
  SELECT i.*, u.succeeded_level FROM inserted i JOIN new u ON u.case_id = i.case_id
  WHERE i.area_code <> ''
),
deltas (area_code, category, month, level, {", ".join(COUNT_NAMES)}) AS ({_DELTAS}),
counted AS (
  INSERT INTO {SCHEMA}.report_counts ({", ".join(_KEY)}, {", ".join(COUNT_NAMES)})
  SELECT d.area_code, d.month, d.category, d.level,
    {", ".join(f"sum(d.{n})::int" for n in COUNT_NAMES)}
  FROM deltas d
  GROUP BY 1, 2, 3, 4
  ORDER BY {", ".join(f'{n} COLLATE "C"' for n in _KEY)}
  {_UPSERT_COUNTS}
)
SELECT u.case_id FROM new u WHERE NOT EXISTS (SELECT FROM inserted i WHERE i.case_id = u.case_id)
""")

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
    ) -> list[str]:
        """Insert new ``cases``, each with the month and level of the facts it already has
        (``accepted_month``, ``accepted_level``, ``mediated_month``, ``closed_level``,
        ``succeeded_month``, ``succeeded_level``; absent: not yet), record ``facts`` on
        cases already there (``unit``: of the first assignment, and the same fact
        fields), and add the counts all that brings, in one round trip. Answers the
        ``cases`` that were there already (a replayed submission: not inserted twice,
        nothing counted for them); the caller records their facts with ``cases`` empty.
        A case must not be in both."""
        if not cases and not facts:
            return []
        result = await self.conn.execute(
            _FOLD, {"cases": orjson.dumps(cases).decode(), "facts": orjson.dumps(facts).decode()}
        )
        return list(result.scalars())

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
        """Empty the tables the stream rebuilds (``entrypoints/report_rebuild.py``)."""
        names = ", ".join(f"{SCHEMA}.{t.name}" for t in REBUILT_TABLES)
        await self.conn.execute(text(f"TRUNCATE {names}"))

    # -- the rebuild's lock: a rebuild holds it alone, the live folds share it ----------

    async def wait_for_rebuild(self) -> None:
        """Until the transaction ends: shared with other live folds, and waits while a
        rebuild holds the lock (a fact folded then could reach a case the rebuild has
        not inserted again yet, and be lost)."""
        await self.conn.execute(text("SELECT pg_advisory_xact_lock_shared(hashtext(:k))"), _LOCK)

    async def lock_for_rebuild(self) -> None:
        """Held alone until this transaction ends: once the live folds in flight have
        committed, none starts until then. The rebuild keeps one transaction open for
        it, so a rebuild that dies releases it with its connection."""
        await self.conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), _LOCK)

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
