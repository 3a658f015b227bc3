"""Idempotent, versioned writes: a retried request is answered, not repeated; a write
based on a stale read is refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.escalation.adapters.idempotency import IdempotencyRepository, purge_idempotency_keys
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork


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
    """The key was used with a different request."""


class VersionRequired(ValueError):
    """The resource exists: a change must say which version it was based on."""


class VersionMismatch(ValueError):
    def __init__(self, current: int | None):
        super().__init__(f"current version {current}")
        self.current = current


def check_version(current: int | None, if_match: int | None) -> None:
    """``current`` None: nothing there yet (then no If-Match may be given)."""
    if current is not None and if_match is None:
        raise VersionRequired()
    if if_match is not None and if_match != current:
        raise VersionMismatch(current)


async def replayed(uow: UnitOfWork, idempotency: Idempotency) -> Answer | None:
    stored = await IdempotencyRepository(uow.connection).lock(idempotency.caller, idempotency.key)
    if stored is None:
        return None
    if stored.request_hash != idempotency.request_hash:
        raise KeyReused(idempotency.key)
    return Answer(stored.status, stored.body, stored.headers, replayed=True)


async def remember(uow: UnitOfWork, idempotency: Idempotency, answer: Answer) -> None:
    await IdempotencyRepository(uow.connection).store(
        idempotency.caller,
        idempotency.key,
        idempotency.request_hash,
        answer.status,
        answer.body,
        answer.headers,
    )


async def purge_keys(uow: UnitOfWork, older_than: timedelta) -> int:
    """Drop stored answers older than ``older_than`` (a retry comes within minutes)."""
    purged = await purge_idempotency_keys(uow.connection, older_than)
    await uow.commit()
    return purged
