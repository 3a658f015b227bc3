"""Writes to the time-limit rows and their change history (the audit record)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.tables import time_limit_changes, time_limits
from services.escalation.domain.limits import LimitKey, LimitRow, LimitTable, StageLimit


def limit_row(row: Any) -> LimitRow:
    return LimitRow(
        LimitKey(row.category, row.level, row.risk, row.stage),
        StageLimit(
            due=row.due_days,
            yellow=row.yellow_days,
            red=row.red_days,
            warn=row.warn_days,
            counting="calendar" if row.counting == "calendar" else "working",
        ),
        row.version,
    )


def limit_data(limit: StageLimit) -> dict[str, Any]:
    return {
        "due": limit.due,
        "yellow": limit.yellow,
        "red": limit.red,
        "warn": limit.warn,
        "counting": limit.counting,
    }


class LimitRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def table(self) -> LimitTable:
        """Every row in force (a few dozen: read whole, matched in memory)."""
        return LimitTable([limit_row(r) for r in await self.conn.execute(_ALL)])

    async def lock(self, key: LimitKey) -> LimitRow | None:
        row = (
            await self.conn.execute(
                select(time_limits)
                .where(
                    time_limits.c.category == key.category,
                    time_limits.c.level == key.level,
                    time_limits.c.risk == key.risk,
                    time_limits.c.stage == key.stage,
                )
                .with_for_update()
            )
        ).first()
        return limit_row(row) if row is not None else None

    async def put(
        self,
        key: LimitKey,
        limit: StageLimit,
        *,
        before: LimitRow | None,
        actor_id: str,
        actor_role: str,
        note: str | None,
    ) -> int:
        """Write the row at its next version and its change record; the new version.
        A create racing another create loses on the primary key (retried as stale)."""
        version = before.version + 1 if before is not None else 1
        values = {
            "category": key.category,
            "level": key.level,
            "risk": key.risk,
            "stage": key.stage,
            "due_days": limit.due,
            "yellow_days": limit.yellow,
            "red_days": limit.red,
            "warn_days": limit.warn,
            "counting": limit.counting,
            "version": version,
            "updated_by": actor_id,
        }
        statement = insert(time_limits).values(values)
        await self.conn.execute(
            statement.on_conflict_do_update(
                constraint="pk_time_limits",
                set_={k: statement.excluded[k] for k in values if k not in key.__dict__}
                | {"updated_at": statement.excluded.updated_at},
            )
            if before is not None
            else statement
        )
        await self.conn.execute(
            time_limit_changes.insert().values(
                limit_key=key.label(),
                version=version,
                before=limit_data(before.limit) if before is not None else None,
                after=limit_data(limit),
                actor_id=actor_id,
                actor_role=actor_role,
                note=note,
            )
        )
        return version


_ALL = select(time_limits)
