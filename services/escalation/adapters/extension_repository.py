"""Writes to extension requests (延期), and the locked reads a decision needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.supervision_tables import extensions


@dataclass(frozen=True)
class ExtensionRow:
    extension_id: str
    case_id: str
    clock_id: str
    stage: str
    unit_code: str | None
    unit_level: str | None
    handler_id: str | None
    requested_by: str
    requested_days: int
    reason: str
    reason_text: str
    requested_at: datetime
    current_due_at: datetime
    status: str
    granted_days: int | None
    decided_by: str | None
    decided_role: str | None
    decision_note: str | None
    decided_at: datetime | None
    due_at: datetime | None
    version: int


_FIELDS = list(ExtensionRow.__dataclass_fields__)
_LOCK = (
    select(*[extensions.c[f] for f in _FIELDS])
    .where(
        extensions.c.case_id == bindparam("case_id"),
        extensions.c.extension_id == bindparam("extension_id"),
    )
    .with_for_update()
)


class PendingExists(RuntimeError):
    """The clock already has a request waiting for a decision."""


class ExtensionRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, row: dict[str, Any]) -> None:
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(insert(extensions).values(row))
        except IntegrityError as exc:
            raise PendingExists(row["clock_id"]) from exc

    async def lock(self, case_id: str, extension_id: str) -> ExtensionRow | None:
        found = (
            await self.conn.execute(_LOCK, {"case_id": case_id, "extension_id": extension_id})
        ).first()
        return ExtensionRow(**found._mapping) if found is not None else None

    async def decide(self, extension_id: str, values: dict[str, Any]) -> None:
        await self.conn.execute(
            update(extensions)
            .where(extensions.c.extension_id == extension_id)
            .values(**values, version=extensions.c.version + 1)
        )


def extension_row(row: Any) -> ExtensionRow:
    return ExtensionRow(**{f: row._mapping[f] for f in _FIELDS})
