"""Escalation's projection of what the rates need per case (``domain/rates.py``): the
case's unit, category and kind, when it was answered and closed with which result, and
the due times its clocks hold with the level each of those clocks is on, its first
rating, and a dispute's report area (the monthly report's time-limit columns go by area × dispute
type × level). Written by the case-stream consumer's handler, in the same transaction
as the clocks; the area is copied from the report's own cases (``report_cases``) once
the report has placed the dispute, as the due times are copied from the clocks.

Every column but the unit keeps its first value, and the unit follows the latest
event by its time, so a replayed or duplicated event changes nothing.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    Index,
    Table,
    Text,
    any_,
    bindparam,
    case,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.report_tables import report_cases
from services.escalation.adapters.tables import TABLES, clocks

rate_facts = Table(
    "rate_facts",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("category", Text),
    Column("kind", Text),
    Column("unit_code", Text),
    # The time of the event that named the unit (the latest wins).
    Column("unit_at", DateTime(timezone=True)),
    Column("accept_due_at", DateTime(timezone=True)),
    # The level of the unit each limit runs for (its clock's ``unit_level``).
    Column("accept_level", Text),
    Column("close_level", Text),
    Column("responded_at", DateTime(timezone=True)),
    Column("close_due_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("close_result", Text),
    Column("mediation_accepted_at", DateTime(timezone=True)),
    # The monthly report's area of a dispute (report_cases.area_code: its grid, else the
    # grid of the screening return that found it, else its first assignment's unit).
    Column("area_code", Text),
    # The residents' first rating (满意率), as case_ratings keeps it, with the level of
    # the unit rated: so the report reads every rate of its areas from this one table.
    Column("rating", Text),
    Column("rated_at", DateTime(timezone=True)),
    Column("rated_level", Text),
    Index("ix_rate_facts_accept_due_at", "accept_due_at"),
    Index("ix_rate_facts_close_due_at", "close_due_at"),
    Index("ix_rate_facts_mediation_accepted_at", "mediation_accepted_at"),
    Index("ix_rate_facts_rated_at", "rated_at"),
    # A unit's report reads its areas by code prefix (LIKE '4511020010%').
    Index("ix_rate_facts_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
)

FIRST_WINS = ("category", "kind", "responded_at", "closed_at", "mediation_accepted_at")
_FIELDS = ("case_id", *FIRST_WINS, "close_result", "unit_code", "unit_at")


# The unit moves to the event's when it names one at or after the time of the row's.
_UNIT_MOVES = (
    "excluded.unit_code IS NOT NULL AND (f.unit_at IS NULL OR f.unit_at <= excluded.unit_at)"
)
_TYPES = {"responded_at", "closed_at", "mediation_accepted_at", "unit_at"}
# A batch's rows (one per case) travel as one JSON array (``json_to_recordset``): bound
# one by one, 5,000 rows of nine values cost more than the statement.
_MERGE = text(
    f"""
INSERT INTO {rate_facts.fullname} AS f ({", ".join(_FIELDS)})
SELECT {", ".join(_FIELDS)}
FROM json_to_recordset(CAST(:rows AS json)) AS u(
  {", ".join(f"{n} {'timestamptz' if n in _TYPES else 'text'}" for n in _FIELDS)})
ON CONFLICT (case_id) DO UPDATE SET
  {", ".join(f"{n} = coalesce(f.{n}, excluded.{n})" for n in FIRST_WINS)},
  close_result = CASE WHEN f.closed_at IS NULL THEN excluded.close_result
    ELSE f.close_result END,
  unit_code = CASE WHEN {_UNIT_MOVES} THEN excluded.unit_code ELSE f.unit_code END,
  unit_at = CASE WHEN {_UNIT_MOVES} THEN excluded.unit_at ELSE f.unit_at END
"""
)


# A batch's case ids as one array parameter (``= ANY``), not one parameter each.
_IDS = bindparam("ids", type_=ARRAY(Text))


def _first_due(stages: tuple[str, ...], *, every_case: bool = False) -> Any:
    """The due time of each case's first clock of these stages (its current due time,
    moved by an approved extension), and the level of the unit it runs for: of the
    cases ``ids`` names, or of every case."""
    query = select(clocks.c.case_id, clocks.c.due_at, clocks.c.unit_level).where(
        clocks.c.stage.in_(stages)
    )
    if not every_case:
        query = query.where(clocks.c.case_id == any_(_IDS))
    return (
        query.ext(distinct_on(clocks.c.case_id))
        .order_by(clocks.c.case_id, clocks.c.started_at, clocks.c.occurrence)
        .subquery()
    )


def _copy_due(every_case: bool = False) -> tuple[Any, Any]:
    """The accept limit: the case's first 受理 clock (a report handed over opens another
    for the next unit; the rate judges the first answer). The closing limit: a dispute's
    mediation month (MoJ 2002 art. 33), a report's first 办理 clock."""
    accept = _first_due(("accept",), every_case=every_case)
    close = _first_due(("mediate", "handle"), every_case=every_case)
    return (
        update(rate_facts)
        .where(rate_facts.c.case_id == accept.c.case_id)
        .values(accept_due_at=accept.c.due_at, accept_level=accept.c.unit_level),
        update(rate_facts)
        .where(rate_facts.c.case_id == close.c.case_id)
        .values(close_due_at=close.c.due_at, close_level=close.c.unit_level),
    )


_COPY_DUE = _copy_due()
_COPY_EVERY_DUE = _copy_due(every_case=True)


def _report_area(every_case: bool = False) -> Any:
    """A dispute's report area, once the report has placed it (an empty area: not
    yet); of the cases ``ids`` names, or of every case."""
    where = [
        rate_facts.c.case_id == report_cases.c.case_id,
        report_cases.c.area_code != "",
        rate_facts.c.area_code.is_distinct_from(report_cases.c.area_code),
    ]
    if not every_case:
        where.append(report_cases.c.case_id == any_(_IDS))
    return update(rate_facts).where(*where).values(area_code=report_cases.c.area_code)


_REPORT_AREA = _report_area()
_EVERY_REPORT_AREA = _report_area(every_case=True)


# The first rating of a case is kept (a replay, or a second rating, changes nothing).
_RATE = insert(rate_facts).values(
    {name: bindparam(name) for name in ("case_id", "rating", "rated_at", "rated_level")}
)
_RATE = _RATE.on_conflict_do_update(
    index_elements=[rate_facts.c.case_id],
    set_={
        name: case((rate_facts.c.rating.is_(None), _RATE.excluded[name]), else_=rate_facts.c[name])
        for name in ("rating", "rated_at", "rated_level")
    },
)


def empty_facts(case_id: str) -> dict[str, Any]:
    return dict.fromkeys(_FIELDS) | {"case_id": case_id}


class RateFactsRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def merge(self, rows: list[dict[str, Any]]) -> None:
        """One row per case (folded by the caller), merged by the rules above."""
        if rows:
            await self.conn.execute(_MERGE, {"rows": orjson.dumps(rows).decode()})

    async def refresh_due_times(self, case_ids: list[str]) -> None:
        """Copy the clocks' due times and levels: the rates judge by the clocks' own
        deadlines."""
        if case_ids:
            for statement in _COPY_DUE:
                await self.conn.execute(statement, {"ids": case_ids})

    async def refresh_every_case(self) -> None:
        """Every case's due times and report area, copied in three statements (the end
        of a rebuild, where doing it per batch cost a fifth of its time)."""
        for statement in (*_COPY_EVERY_DUE, _EVERY_REPORT_AREA):
            await self.conn.execute(statement)

    async def add_ratings(self, rows: list[dict[str, Any]]) -> None:
        """``{case_id, rating, rated_at, rated_level}`` rows, one per case."""
        if rows:
            await self.conn.execute(_RATE, rows)

    async def truncate(self) -> None:
        """Empty the table (a rebuild from the stream: ``entrypoints/report_rebuild.py``)."""
        await self.conn.execute(text(f"TRUNCATE {rate_facts.fullname}"))

    async def copy_report_areas(self, case_ids: list[str]) -> None:
        """Copy the report's area of these cases (disputes the report has placed)."""
        if case_ids:
            await self.conn.execute(_REPORT_AREA, {"ids": case_ids})


def fold(row: dict[str, Any], update_: dict[str, Any]) -> None:
    """Fold one event's facts into the batch's row for its case, as ``_MERGE`` does."""
    closed_before = row["closed_at"] is not None
    for name in FIRST_WINS:
        if row[name] is None:
            row[name] = update_.get(name)
    if not closed_before and update_.get("close_result") is not None:
        row["close_result"] = update_["close_result"]
    unit, at = update_.get("unit_code"), update_.get("unit_at")
    if unit is not None and (row["unit_at"] is None or (at is not None and row["unit_at"] <= at)):
        row["unit_code"], row["unit_at"] = unit, at
