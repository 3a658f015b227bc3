"""Idempotent reassignments: a retried 回退, 回避, 上报 or 交办 is answered with its first
answer, never moved twice (a grid officer's phone retries when no answer came).

The same scheme as escalation's (``services/escalation/service_layer/idempotent.py``),
kept per service as escalation and mediation keep theirs: each service's keys live in
its own schema and transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.routing.adapters.idempotency import IdempotencyRepository, purge_idempotency_keys
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork

# As long as intake and mediation keep theirs: a phone's offline queue is replayed
# within days, and its retry must still be answered, not repeated.
IDEMPOTENCY_TTL = timedelta(hours=96)


@dataclass(frozen=True)
class Idempotency:
    caller: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, principal: Principal, key: str, method: str, path: str, body: bytes) -> Idempotency:
        digest = hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()
        # A key belongs to its caller: the same key from someone else is another key.
        return cls(f"{principal.role}:{principal.staff_id}", key, digest)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


class KeyReused(ValueError):
    """The key was used with a different request (another case, route or body)."""


async def replayed(uow: UnitOfWork, idempotency: Idempotency) -> Answer | None:
    """The first answer to this caller's key, or None after taking the key for this
    transaction (a concurrent request with the same key waits for it)."""
    stored = await IdempotencyRepository(uow.connection).lock(idempotency.caller, idempotency.key)
    if stored is None:
        return None
    if stored.request_hash != idempotency.request_hash:
        raise KeyReused(idempotency.key)
    return Answer(stored.status, stored.body, stored.headers, replayed=True)


async def remember(uow: UnitOfWork, idempotency: Idempotency, answer: Answer) -> None:
    """Store the answer in the write's own transaction: committed with it, or not at all."""
    await IdempotencyRepository(uow.connection).store(
        idempotency.caller,
        idempotency.key,
        idempotency.request_hash,
        answer.status,
        answer.body,
        answer.headers,
    )


async def purge_keys(uow: UnitOfWork, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    """Drop stored answers older than ``older_than`` (run hourly)."""
    purged = await purge_idempotency_keys(uow.connection, older_than)
    await uow.commit()
    return purged
