"""An Idempotency-Key claim and the answer stored under it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class IdempotencyClaim:
    scope: str  # whose and which operation, e.g. "officer:go-001 /mobile/v1/reports"
    key: str
    fingerprint: str  # hash of the canonical request
    ttl: timedelta = timedelta(hours=96)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False
