"""Idempotency keys, claimed and answered inside the caller's unit of work.

The key row is inserted at the start of the transaction that does the write. A second
request with the same key blocks on the primary key until the first commits, then finds
its answer; if the first rolls back, the key row vanishes with it and the retry runs
afresh. So an answer is stored if and only if its write committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import idempotency_keys
from services.intake.domain.refusals import IdempotencyConflict


@dataclass(frozen=True)
class IdempotencyClaim:
    scope: str  # who and which operation, e.g. "officer:go-001:POST /mobile/v1/reports"
    key: str
    fingerprint: str  # hash of the canonical request
    ttl: timedelta = timedelta(hours=96)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


async def claim(conn: AsyncConnection, claim: IdempotencyClaim) -> Answer | None:
    """None if this request owns the key; the stored answer if it was already given."""
    inserted = await conn.execute(
        pg_insert(idempotency_keys)
        .values(scope=claim.scope, key=claim.key, fingerprint=claim.fingerprint)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
    )
    if inserted.first() is not None:
        return None
    row = (
        await conn.execute(
            select(idempotency_keys)
            .where(idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
            .with_for_update()
        )
    ).one()
    if row.created_at < datetime.now(UTC) - claim.ttl:
        # Expired but not yet purged: the key is free again.
        await conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
            .values(
                fingerprint=claim.fingerprint,
                status_code=None,
                response=None,
                created_at=datetime.now(UTC),
            )
        )
        return None
    if row.fingerprint != claim.fingerprint:
        raise IdempotencyConflict(claim.key)
    return Answer(int(row.status_code), dict(row.response), replayed=True)


async def claim_new(conn: AsyncConnection, claims: list[IdempotencyClaim]) -> set[tuple[str, str]]:
    """Claim keys never seen before in one statement; the (scope, key) pairs this
    transaction now owns. Keys already present are left for ``claim`` to look at."""
    if not claims:
        return set()
    rows = await conn.execute(
        pg_insert(idempotency_keys)
        .values([{"scope": c.scope, "key": c.key, "fingerprint": c.fingerprint} for c in claims])
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.scope, idempotency_keys.c.key)
    )
    return {(row.scope, row.key) for row in rows}


_RECORD = (
    update(idempotency_keys)
    .where(
        idempotency_keys.c.scope == bindparam("b_scope"),
        idempotency_keys.c.key == bindparam("b_key"),
    )
    .values(status_code=bindparam("b_status"), response=bindparam("b_response"))
)


async def record(conn: AsyncConnection, claim: IdempotencyClaim, answer: Answer) -> None:
    await record_many(conn, [(claim, answer)])


async def record_many(
    conn: AsyncConnection, answered: list[tuple[IdempotencyClaim, Answer]]
) -> None:
    """Store the answers to claimed keys (in the transaction that claimed them)."""
    if answered:
        await conn.execute(
            _RECORD,
            [
                {
                    "b_scope": c.scope,
                    "b_key": c.key,
                    "b_status": a.status_code,
                    "b_response": a.body,
                }
                for c, a in answered
            ],
        )


async def purge_expired(conn: AsyncConnection, ttl: timedelta) -> int:
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < datetime.now(UTC) - ttl)
    )
    return int(result.rowcount or 0)
