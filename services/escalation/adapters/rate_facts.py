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

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
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


def _merge() -> Any:
    statement = insert(rate_facts).values({name: bindparam(name) for name in _FIELDS})
    new = statement.excluded
    unit_moves = and_(
        new.unit_code.is_not(None),
        or_(rate_facts.c.unit_at.is_(None), rate_facts.c.unit_at <= new.unit_at),
    )
    return statement.on_conflict_do_update(
        index_elements=[rate_facts.c.case_id],
        set_={
            **{name: func.coalesce(rate_facts.c[name], new[name]) for name in FIRST_WINS},
            "close_result": case(
                (rate_facts.c.closed_at.is_(None), new.close_result),
                else_=rate_facts.c.close_result,
            ),
            "unit_code": case((unit_moves, new.unit_code), else_=rate_facts.c.unit_code),
            "unit_at": case((unit_moves, new.unit_at), else_=rate_facts.c.unit_at),
        },
    )


_MERGE = _merge()


def _first_due(stages: tuple[str, ...]) -> Any:
    """The due time of each case's first clock of these stages (its current due time,
    moved by an approved extension), and the level of the unit it runs for."""
    return (
        select(clocks.c.case_id, clocks.c.due_at, clocks.c.unit_level)
        .where(clocks.c.stage.in_(stages), clocks.c.case_id.in_(bindparam("ids", expanding=True)))
        .ext(distinct_on(clocks.c.case_id))
        .order_by(clocks.c.case_id, clocks.c.started_at, clocks.c.occurrence)
        .subquery()
    )


# The accept limit: the case's first 受理 clock (a report handed over opens another for
# the next unit; the rate judges the first answer). The closing limit: a dispute's
# mediation month (MoJ 2002 art. 33), a report's first 办理 clock.
_ACCEPT = _first_due(("accept",))
_CLOSE = _first_due(("mediate", "handle"))
_ACCEPT_DUE = (
    update(rate_facts)
    .where(rate_facts.c.case_id == _ACCEPT.c.case_id)
    .values(accept_due_at=_ACCEPT.c.due_at, accept_level=_ACCEPT.c.unit_level)
)
_CLOSE_DUE = (
    update(rate_facts)
    .where(rate_facts.c.case_id == _CLOSE.c.case_id)
    .values(close_due_at=_CLOSE.c.due_at, close_level=_CLOSE.c.unit_level)
)


# A dispute's report area, once the report has placed it (an empty area: not yet).
_REPORT_AREA = (
    update(rate_facts)
    .where(
        rate_facts.c.case_id == report_cases.c.case_id,
        report_cases.c.case_id.in_(bindparam("ids", expanding=True)),
        report_cases.c.area_code != "",
        rate_facts.c.area_code.is_distinct_from(report_cases.c.area_code),
    )
    .values(area_code=report_cases.c.area_code)
)


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
            await self.conn.execute(_MERGE, rows)

    async def refresh_due_times(self, case_ids: list[str]) -> None:
        """Copy the clocks' due times and levels: the rates judge by the clocks' own
        deadlines."""
        if case_ids:
            await self.conn.execute(_ACCEPT_DUE, {"ids": case_ids})
            await self.conn.execute(_CLOSE_DUE, {"ids": case_ids})

    async def add_ratings(self, rows: list[dict[str, Any]]) -> None:
        """``{case_id, rating, rated_at, rated_level}`` rows, one per case."""
        if rows:
            await self.conn.execute(_RATE, rows)

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
