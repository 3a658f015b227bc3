"""Idempotency keys, claimed and answered inside the caller's unit of work.

The key row is inserted at the start of the transaction that does the write. A second
request with the same key blocks on the primary key until the first commits, then finds
its answer; if the first rolls back, the key row vanishes with it and the retry runs
afresh. So an answer is stored if and only if its write committed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.intake.adapters import repository
from services.intake.domain.idempotency import Answer, IdempotencyClaim
from services.intake.domain.refusals import IdempotencyConflict
from shared.db.unit_of_work import UnitOfWork

__all__ = ["Answer", "IdempotencyClaim", "claim", "claim_new", "purge_expired", "record_many"]


async def claim(uow: UnitOfWork, claim: IdempotencyClaim) -> Answer | None:
    """None if this request owns the key; the stored answer if it was already given."""
    conn = uow.connection
    if await repository.insert_key(conn, claim):
        return None
    stored = await repository.lock_key(conn, claim)
    if stored.created_at < datetime.now(UTC) - claim.ttl:
        # Expired but not yet purged: the key is free again.
        await repository.reclaim_key(conn, claim)
        return None
    if stored.fingerprint != claim.fingerprint:
        raise IdempotencyConflict(claim.key)
    # A committed key always holds its answer (the claim and the answer commit together).
    assert stored.status_code is not None and stored.response is not None
    return Answer(stored.status_code, dict(stored.response), replayed=True)


async def claim_new(uow: UnitOfWork, claims: list[IdempotencyClaim]) -> set[tuple[str, str]]:
    """Claim keys never seen before in one statement; the (scope, key) pairs this
    transaction now owns. Keys already present are left for ``claim`` to look at."""
    return await repository.insert_new_keys(uow.connection, claims)


async def record_many(uow: UnitOfWork, answered: list[tuple[IdempotencyClaim, Answer]]) -> None:
    """Store the answers to claimed keys (in the transaction that claimed them)."""
    await repository.record_answers(
        uow.connection, [(c, a.status_code, a.body) for c, a in answered]
    )


async def purge_expired(uow: UnitOfWork, ttl: timedelta) -> int:
    return await repository.purge_keys(uow.connection, ttl)
