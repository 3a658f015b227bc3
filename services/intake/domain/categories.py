"""The category dictionary: report classes with subtypes, and dispute types.

It is data (table ``intake.categories``, seeded from ``data/categories.json``) so a
district can add or retire categories without a release.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    kind: str  # "report" | "dispute"
    code: str  # the Chinese name is the code routing and escalation see
    name_en: str
    slug: str | None = None  # ASCII Open311 service_code
    subtypes: tuple[str, ...] = ()
    response_hours: int | None = None
    active: bool = True


class CategoryDictionary:
    def __init__(self, categories: Iterable[Category]):
        self._all = list(categories)
        self._by_key = {(c.kind, c.code): c for c in self._all}
        self._by_slug = {c.slug: c for c in self._all if c.slug}

    def find(self, kind: str, code: str) -> Category | None:
        category = self._by_key.get((kind, code))
        return category if category and category.active else None

    def by_slug(self, slug: str) -> Category | None:
        category = self._by_slug.get(slug)
        return category if category and category.active else None

    def active(self, kind: str | None = None) -> list[Category]:
        return [c for c in self._all if c.active and (kind is None or c.kind == kind)]

    def __len__(self) -> int:
        return len(self._all)
