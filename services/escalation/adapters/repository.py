"""Writes to escalation's clocks and the case facts they are planned from."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, and_, any_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import case_categories, case_progress, clocks
from services.escalation.domain.clocks import Basis, Deadlines


@dataclass(frozen=True)
class CaseFacts:
    category: str
    kind: str | None
    risk: str


@dataclass(frozen=True)
class ClockRow:
    """A clock as a handler changes it."""

    clock_id: str
    case_id: str
    stage: str
    occurrence: str
    category: str
    risk: str
    unit_code: str | None
    unit_level: str | None
    handler_id: str | None
    status: str
    started_at: datetime
    deadlines: Deadlines
    basis: Basis | None  # None for clocks opened before bases were kept
    paused_at: datetime | None
    warned_at: datetime | None
    yellow_fired_at: datetime | None
    red_fired_at: datetime | None

    def fired(self, card: str) -> bool:
        marker = {"warning": self.warned_at, "yellow": self.yellow_fired_at}.get(
            card, self.red_fired_at
        )
        return marker is not None


def basis_columns(basis: Basis) -> dict[str, Any]:
    return {
        "counting": basis.counting,
        "anchor_on": basis.anchor,
        "due_days": basis.due,
        "yellow_days": basis.yellow,
        "red_days": basis.red,
        "warn_days": basis.warn,
        "fixed": basis.fixed,
        "paused_days": basis.paused_days,
    }


def deadline_columns(deadlines: Deadlines) -> dict[str, Any]:
    return {
        "due_at": deadlines.due_at,
        "yellow_at": deadlines.yellow_at,
        "red_at": deadlines.red_at,
        "warn_at": deadlines.warn_at,
    }


def _row(row: Any) -> ClockRow:
    anchor: date | None = row.anchor_on
    basis = (
        Basis(
            counting="calendar" if row.counting == "calendar" else "working",
            anchor=anchor,
            due=row.due_days,
            yellow=row.yellow_days,
            red=row.red_days,
            warn=row.warn_days,
            fixed=row.fixed,
            paused_days=row.paused_days,
        )
        if anchor is not None and row.due_days is not None
        else None
    )
    return ClockRow(
        clock_id=row.clock_id,
        case_id=row.case_id,
        stage=row.stage,
        occurrence=row.occurrence,
        category=row.category,
        risk=row.risk,
        unit_code=row.unit_code,
        unit_level=row.unit_level,
        handler_id=row.handler_id,
        status=row.status,
        started_at=row.started_at,
        deadlines=Deadlines(row.due_at, row.yellow_at, row.red_at, row.warn_at),
        basis=basis,
        paused_at=row.paused_at,
        warned_at=row.warned_at,
        yellow_fired_at=row.yellow_fired_at,
        red_fired_at=row.red_fired_at,
    )


# Built once: the batch's rows go as parameters (SQLAlchemy's "insertmanyvalues" makes
# them one multi-row statement, compiled once), where ``.values(rows)`` compiled a new
# statement for every batch (an eighth of the consumer's time in the system bench).
_ADD_CLOCKS = (
    insert(clocks)
    .on_conflict_do_nothing(constraint="uq_clocks_case_stage_occurrence")
    .returning(clocks.c.clock_id)
)


@functools.cache
def _record_progress(columns: tuple[str, ...]) -> Any:
    """The upsert of progress rows with these columns, built once (rows as parameters)."""
    statement = insert(case_progress)
    return statement.on_conflict_do_update(
        index_elements=[case_progress.c.case_id],
        set_={k: statement.excluded[k] for k in columns if k != "case_id"},
        where=case_progress.c.occurred_at <= statement.excluded.occurred_at,
    )


class ClockRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def case_facts(self, case_ids: list[str]) -> dict[str, CaseFacts]:
        """What is remembered of each of these cases that has a submission."""
        rows = await self.conn.execute(_FACTS, {"ids": case_ids})
        return {row.case_id: CaseFacts(row.category, row.kind, row.risk) for row in rows}

    async def add_case_facts(self, rows: list[dict[str, Any]]) -> None:
        """``{case_id, category, kind, risk}`` rows; a case's first submission is kept."""
        if rows:
            await self.conn.execute(_ADD_FACTS, rows)

    async def add_clocks(self, rows: list[dict[str, Any]]) -> list[str]:
        """Clock rows; a case's first clock of a stage (and occurrence) is kept. The ids
        of those inserted."""
        if not rows:
            return []
        result = await self.conn.execute(_ADD_CLOCKS, rows)
        return [r.clock_id for r in result]

    async def open_clocks(self, case_id: str, stage: str | None = None) -> list[ClockRow]:
        """The case's running and paused clocks (of ``stage``), locked, oldest due first."""
        query = _OPEN.where(clocks.c.case_id == case_id)
        if stage is not None:
            query = query.where(clocks.c.stage == stage)
        return [_row(r) for r in await self.conn.execute(query)]

    async def lock(self, clock_id: str) -> ClockRow | None:
        row = (await self.conn.execute(_LOCK, {"clock_id": clock_id})).first()
        return _row(row) if row is not None else None

    async def lock_nowait(self, clock_id: str) -> ClockRow | None:
        """The clock locked, or None if it is missing or someone else holds it."""
        row = (await self.conn.execute(_LOCK_NOWAIT, {"clock_id": clock_id})).first()
        return _row(row) if row is not None else None

    async def exists(self, clock_id: str) -> bool:
        row = (await self.conn.execute(_EXISTS, {"clock_id": clock_id})).first()
        return row is not None

    async def update(self, clock_id: str, values: dict[str, Any]) -> None:
        await self.conn.execute(update(clocks).where(clocks.c.clock_id == clock_id).values(values))

    async def follow_people(
        self, case_id: str, unit_code: str | None, handler_id: str | None
    ) -> None:
        """The case's open clocks follow its current unit and handler."""
        values: dict[str, Any] = {"handler_id": handler_id}
        if unit_code is not None:
            values["unit_code"] = unit_code
        await self.conn.execute(
            update(clocks)
            .where(clocks.c.case_id == case_id, clocks.c.status != "stopped")
            .values(values)
        )

    async def record_progress(
        self,
        case_id: str,
        kind: str,
        step: str,
        state: str,
        unit_code: str | None,
        handler_id: str | None,
        occurred_at: datetime,
    ) -> None:
        """The case's latest step (an older one replayed late does not win)."""
        values = {
            "case_id": case_id,
            "kind": kind,
            "step": step,
            "state": state,
            "unit_code": unit_code,
            "handler_id": handler_id,
            "occurred_at": occurred_at,
        }
        statement = insert(case_progress).values(values)
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[case_progress.c.case_id],
                set_={k: statement.excluded[k] for k in values if k != "case_id"},
                where=case_progress.c.occurred_at <= statement.excluded.occurred_at,
            )
        )

    async def follow_and_stop(
        self,
        case_id: str,
        unit_code: str | None,
        handler_id: str | None,
        stages: list[str],
        stopped_at: datetime,
        stop_step: str,
    ) -> list[str]:
        """``follow_people``, then stop the case's open clocks of these stages, in one
        statement (locked in ``open_clocks``' order first); the ids of those stopped."""
        rows = await self.conn.execute(
            _FOLLOW_AND_STOP,
            {
                "b_case_id": case_id,
                "b_unit_code": unit_code,
                "b_handler_id": handler_id,
                "b_stages": stages,
                "b_stopped_at": stopped_at,
                "b_stop_step": stop_step,
            },
        )
        return [r.clock_id for r in rows if r.stopped]

    async def record_progress_all(self, rows: list[dict[str, Any]]) -> None:
        """``record_progress`` for many cases (one row each) in one statement."""
        if not rows:
            return
        await self.conn.execute(_record_progress(tuple(rows[0])), rows)

    async def running_working_clocks(self, after: str, limit: int) -> list[ClockRow]:
        """Running working-day clocks that are not fixed, by id after ``after``, locked:
        the ones a calendar change recomputes (index ``ix_clocks_open_working``)."""
        rows = await self.conn.execute(_RECOMPUTABLE, {"after": after, "limit": limit})
        return [_row(r) for r in rows]


_FACTS = select(
    case_categories.c.case_id,
    case_categories.c.category,
    case_categories.c.kind,
    case_categories.c.risk,
).where(case_categories.c.case_id == any_(bindparam("ids", type_=ARRAY(Text))))
_ADD_FACTS = insert(case_categories).on_conflict_do_nothing()
_OPEN = (
    select(clocks)
    .where(clocks.c.status != "stopped")
    .order_by(clocks.c.due_at, clocks.c.clock_id)
    .with_for_update()
)
_STOPPING = clocks.c.stage == any_(bindparam("b_stages", type_=ARRAY(Text)))
_FOLLOW_AND_STOP = (
    update(clocks)
    .where(
        clocks.c.clock_id.in_(
            select(clocks.c.clock_id)
            .where(clocks.c.case_id == bindparam("b_case_id"), clocks.c.status != "stopped")
            .order_by(clocks.c.due_at, clocks.c.clock_id)
            .with_for_update()
            .scalar_subquery()
        )
    )
    .values(
        unit_code=func.coalesce(bindparam("b_unit_code", type_=Text), clocks.c.unit_code),
        handler_id=bindparam("b_handler_id", type_=Text),
        status=case((_STOPPING, "stopped"), else_=clocks.c.status),
        stopped_at=case((_STOPPING, bindparam("b_stopped_at")), else_=clocks.c.stopped_at),
        stop_step=case((_STOPPING, bindparam("b_stop_step", type_=Text)), else_=clocks.c.stop_step),
    )
    .returning(clocks.c.clock_id, _STOPPING.label("stopped"))
)
_LOCK = select(clocks).where(clocks.c.clock_id == bindparam("clock_id")).with_for_update()
_LOCK_NOWAIT = (
    select(clocks)
    .where(clocks.c.clock_id == bindparam("clock_id"))
    .with_for_update(skip_locked=True)
)
_EXISTS = select(clocks.c.clock_id).where(clocks.c.clock_id == bindparam("clock_id"))
_RECOMPUTABLE = (
    select(clocks)
    .where(
        and_(clocks.c.status == "running", ~clocks.c.fixed, clocks.c.counting == "working"),
        clocks.c.clock_id > bindparam("after"),
    )
    .order_by(clocks.c.clock_id)
    .limit(bindparam("limit"))
    .with_for_update()
)
