"""A per-process cache of the serving area and the category dictionary.

Both change rarely and are read on every submission. The cache is dropped at once when
this process applies a registry event or edits a category, and re-read after
``ttl_s`` in any case, so that other worker processes catch up within seconds.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import categories, registry_units
from services.intake.domain.area import MirroredUnit, ServingArea
from services.intake.domain.categories import Category, CategoryDictionary
from services.intake.domain.validation import Reference


async def load_reference(conn: AsyncConnection) -> Reference:
    units = (
        await conn.execute(
            select(
                registry_units.c.code,
                registry_units.c.level,
                registry_units.c.parent_code,
                registry_units.c.boundary,
            )
        )
    ).all()
    rows = (await conn.execute(select(categories).order_by(categories.c.sort))).all()
    return Reference(
        area=ServingArea(MirroredUnit(u.code, u.level, u.parent_code, u.boundary) for u in units),
        categories=CategoryDictionary(
            Category(
                kind=r.kind,
                code=r.code,
                name_en=r.name_en,
                slug=r.slug,
                subtypes=tuple(r.subtypes or ()),
                response_hours=r.response_hours,
                active=r.active,
            )
            for r in rows
        ),
    )


class ReferenceCache:
    def __init__(self, ttl_s: float = 5.0):
        self.ttl_s = ttl_s
        self._value: Reference | None = None
        self._loaded_at = 0.0

    async def get(self, conn: AsyncConnection) -> Reference:
        if self._value is None or time.monotonic() - self._loaded_at > self.ttl_s:
            self._value = await load_reference(conn)
            self._loaded_at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        self._value = None
