"""A per-process cache of the serving area and the category dictionary.

Both change rarely and are read on every submission. The cache is dropped at once when
this process applies a registry event or edits a category, and re-read after
``ttl_s`` in any case, so that other worker processes catch up within seconds.
"""

from __future__ import annotations

import time

from services.intake.adapters.queries import load_reference
from services.intake.domain.validation import Reference
from shared.db.unit_of_work import UnitOfWork


class ReferenceCache:
    def __init__(self, ttl_s: float = 5.0):
        self.ttl_s = ttl_s
        self._value: Reference | None = None
        self._loaded_at = 0.0

    async def get(self, uow: UnitOfWork) -> Reference:
        if self._value is None or time.monotonic() - self._loaded_at > self.ttl_s:
            self._value = await load_reference(uow.connection)
            self._loaded_at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        self._value = None
