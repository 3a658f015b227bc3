"""Writes of the clocks mediation hears of: the clocks' rows (locked and read, then
upserted) and their timeline entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.case_work_tables import case_files, case_timeline
from services.mediation.adapters.clock_tables import case_clocks, case_supervisions
from services.mediation.domain.clocks import ClockState
from services.mediation.domain.cycle_notices import (
    OPEN,
    ClockMoved,
    SupervisionClosed,
    SupervisionOpened,
    SupervisionOverdue,
)

# The timeline's actor for what escalation's clocks did.
CLOCK_ACTOR = "escalation"
CLOCK_ROLE = "system"


def state_of(row: Any) -> ClockState:
    return ClockState(
        row.clock_id,
        row.case_id,
        row.stage,
        row.due_at,
        row.yellow_at,
        row.red_at,
        row.card,
        row.card_at,
        {k: datetime.fromisoformat(v) for k, v in (row.notices or {}).items()},
    )


async def lock_clocks(conn: AsyncConnection, clock_ids: list[str]) -> dict[str, ClockState]:
    """The clocks' rows, locked for the consumer's transaction."""
    if not clock_ids:
        return {}
    rows = await conn.execute(
        select(case_clocks).where(case_clocks.c.clock_id.in_(clock_ids)).with_for_update()
    )
    return {r.clock_id: state_of(r) for r in rows}


async def save_clocks(conn: AsyncConnection, clocks: list[ClockState]) -> None:
    if not clocks:
        return
    values = [
        {
            "clock_id": c.clock_id,
            "case_id": c.case_id,
            "stage": c.stage,
            "due_at": c.due_at,
            "yellow_at": c.yellow_at,
            "red_at": c.red_at,
            "card": c.card,
            "card_at": c.card_at,
            "notices": {k: v.isoformat() for k, v in c.notices.items()},
        }
        for c in clocks
    ]
    statement = pg_insert(case_clocks).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[case_clocks.c.clock_id],
            set_={
                **{
                    name: statement.excluded[name]
                    for name in ("due_at", "yellow_at", "red_at", "card", "card_at", "notices")
                },
                "updated_at": func.now(),
            },
        )
    )


async def add_clock_lines(
    conn: AsyncConnection, lines: list[tuple[str, datetime, str, str]]
) -> None:
    """Timeline entries (case, at, step, what) at each file's current version (0 when
    the case has no file yet); a line the case already has (the same notice published
    again) is not added twice."""
    for case_id, at, step, what in lines:
        already = exists().where(
            and_(
                case_timeline.c.case_id == case_id,
                case_timeline.c.step == step,
                case_timeline.c.at == at,
                case_timeline.c.actor_id == CLOCK_ACTOR,
            )
        )
        version = func.coalesce(
            select(case_files.c.version).where(case_files.c.case_id == case_id).scalar_subquery(),
            0,
        )
        await conn.execute(
            insert(case_timeline).from_select(
                ["case_id", "file_version", "at", "actor_id", "actor_role", "step", "what"],
                select(
                    literal(case_id),
                    version,
                    literal(at),
                    literal(CLOCK_ACTOR),
                    literal(CLOCK_ROLE),
                    literal(step),
                    literal(what),
                ).where(~already),
            )
        )


async def move_clock(conn: AsyncConnection, moved: ClockMoved) -> None:
    """An approved extension's new times (a clock not heard of yet is skipped: its
    first notice will carry them)."""
    await conn.execute(
        update(case_clocks)
        .where(case_clocks.c.clock_id == moved.clock_id)
        .values(
            due_at=moved.due_at,
            yellow_at=moved.yellow_at,
            red_at=moved.red_at,
            updated_at=func.now(),
        )
    )


async def open_supervision(conn: AsyncConnection, opened: SupervisionOpened) -> None:
    await conn.execute(
        pg_insert(case_supervisions)
        .values(
            supervision_id=opened.supervision_id,
            case_id=opened.case_id,
            level=opened.level,
            handler_id=opened.handler_id,
            answer_due_at=opened.answer_due_at,
            issued_at=opened.issued_at,
            status=OPEN,
        )
        .on_conflict_do_nothing(index_elements=[case_supervisions.c.supervision_id])
    )


async def close_supervision(
    conn: AsyncConnection, change: SupervisionClosed | SupervisionOverdue
) -> None:
    """Answered or withdrawn (events of a case arrive in order: keyed by case id)."""
    values: dict[str, object] = (
        {"status": change.status} if isinstance(change, SupervisionClosed) else {"overdue": True}
    )
    await conn.execute(
        update(case_supervisions)
        .where(case_supervisions.c.supervision_id == change.supervision_id)
        .values(**values)
    )
