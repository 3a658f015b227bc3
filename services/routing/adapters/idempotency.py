"""The answers of routing's idempotent writes (the reassignment routes), per caller and
key: taken under a lock, stored in the write's own transaction, purged by age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.routing.adapters.tables import idempotency_keys


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    status: int
    body: Any
    headers: dict[str, str]


class IdempotencyRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def lock(self, caller: str, key: str) -> StoredAnswer | None:
        """The stored answer, or None after taking the key: a concurrent first use of the
        same key (a phone retrying while the first try still runs) waits here until this
        transaction ends, then finds the answer it stored."""
        await self.conn.execute(
            select(
                func.pg_advisory_xact_lock(
                    func.hashtextextended(f"routing-idem:{caller}\n{key}", 0)
                )
            )
        )
        row = (
            await self.conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        return StoredAnswer(row.request_hash, row.status, row.body, dict(row.headers))

    async def store(
        self,
        caller: str,
        key: str,
        request_hash: str,
        status: int,
        body: Any,
        headers: dict[str, str],
    ) -> None:
        await self.conn.execute(
            insert(idempotency_keys).values(
                caller=caller,
                key=key,
                request_hash=request_hash,
                status=status,
                body=body,
                headers=headers,
            )
        )


async def purge_idempotency_keys(conn: AsyncConnection, older_than: timedelta) -> int:
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < func.now() - older_than)
    )
    return int(result.rowcount)
