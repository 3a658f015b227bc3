"""Writes to supervisions (督办), and the locked reads an answer, a cancellation or the
overdue job needs; where a case stands (its unit and handler) for a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.supervision_tables import supervisions
from services.escalation.adapters.tables import clocks


@dataclass(frozen=True)
class SupervisionRow:
    supervision_id: str
    case_id: str
    level: str
    origin: str
    issued_by: str | None
    issuing_unit_code: str | None
    unit_code: str | None
    handler_id: str | None
    stage: str | None
    clock_id: str | None
    deduction: float
    instructions: str
    answer_due_at: datetime
    issued_at: datetime
    status: str
    answered_by: str | None
    answer_text: str | None
    answered_at: datetime | None
    on_time: bool | None
    cancelled_by: str | None
    cancel_note: str | None
    cancelled_at: datetime | None
    overdue_flagged_at: datetime | None
    version: int


@dataclass(frozen=True)
class CaseHolder:
    """Who holds the case now: the unit and handler of its latest clock."""

    unit_code: str | None
    handler_id: str | None


SUPERVISION_FIELDS = list(SupervisionRow.__dataclass_fields__)
_COLUMNS = [supervisions.c[f] for f in SUPERVISION_FIELDS]
_LOCK = (
    select(*_COLUMNS)
    .where(supervisions.c.supervision_id == bindparam("supervision_id"))
    .with_for_update()
)
_HOLDER = (
    select(clocks.c.unit_code, clocks.c.handler_id)
    .where(clocks.c.case_id == bindparam("case_id"))
    .order_by(clocks.c.started_at.desc(), clocks.c.clock_id)
    .limit(1)
)


def supervision_row(row: Any) -> SupervisionRow:
    return SupervisionRow(**{f: row._mapping[f] for f in SUPERVISION_FIELDS})


class SupervisionRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, row: dict[str, Any]) -> bool:
        """False when the red card already has its supervision (a replay)."""
        result = await self.conn.execute(
            insert(supervisions)
            .values(row)
            .on_conflict_do_nothing(index_elements=[supervisions.c.red_card_clock_id])
            .returning(supervisions.c.supervision_id)
        )
        return result.first() is not None

    async def lock(self, supervision_id: str) -> SupervisionRow | None:
        found = (await self.conn.execute(_LOCK, {"supervision_id": supervision_id})).first()
        return supervision_row(found) if found is not None else None

    async def update(
        self, supervision_id: str, values: dict[str, Any], *, new_version: bool = True
    ) -> None:
        """``new_version`` False for what the system marks (the overdue flag): a handler
        who read it before may still answer with the ETag they have."""
        bump = {"version": supervisions.c.version + 1} if new_version else {}
        await self.conn.execute(
            update(supervisions)
            .where(supervisions.c.supervision_id == supervision_id)
            .values(**values, **bump)
        )

    async def holder(self, case_id: str) -> CaseHolder | None:
        found = (await self.conn.execute(_HOLDER, {"case_id": case_id})).first()
        return CaseHolder(found.unit_code, found.handler_id) if found is not None else None
