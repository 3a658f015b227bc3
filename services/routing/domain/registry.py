"""The organisation tree: district → street/township → community/village → grid.

Codes nest (GB/T 2260 style): 6 digits for a district, 9 for a street, 12 for a
community, 15 for a grid, and a child's code is its parent's code plus 3 digits, so
"everything under X" is a prefix query and a code alone tells its level and parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LEVELS = ("district", "street", "community", "grid")
DIGITS = {"district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_OF_LENGTH = {length: level for level, length in DIGITS.items()}
LEVEL_ZH = {"district": "区县", "street": "街道/乡镇", "community": "社区/村", "grid": "网格"}
AREA_TYPES = ("urban", "rural")


def level_of(code: str) -> str | None:
    """The level a well-formed code belongs to, or None for a malformed code."""
    if not code.isascii() or not code.isdigit():
        return None
    return LEVEL_OF_LENGTH.get(len(code))


def parent_code_of(code: str) -> str | None:
    """The parent's code implied by the nesting rule (None for a district)."""
    level = level_of(code)
    if level is None or level == "district":
        return None
    return code[: DIGITS[LEVELS[LEVELS.index(level) - 1]]]


@dataclass(frozen=True)
class OrgUnit:
    """One node of the tree. ``boundary`` is a GeoJSON geometry in WGS84."""

    code: str
    name: str
    level: str
    parent_code: str | None
    area_type: str | None = None
    boundary: dict[str, Any] | None = None

    def as_row(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "area_type": self.area_type,
            "boundary": self.boundary,
        }


@dataclass(frozen=True)
class UnitDraft:
    """A unit as read from an import file, with where it came from (``feature 3``, ``line 7``).

    Fields stay raw (strings, maybe empty) so that validation can report every problem
    instead of the parser stopping at the first.
    """

    where: str
    code: str
    name: str
    level: str | None
    parent_code: str | None
    area_type: str | None
    boundary: dict[str, Any] | None

    def to_unit(self) -> OrgUnit:
        return OrgUnit(
            code=self.code,
            name=self.name,
            level=level_of(self.code) or "",
            # The code decides the parent; a parent_code column is only a cross-check.
            parent_code=parent_code_of(self.code),
            area_type=self.area_type or None,
            boundary=self.boundary,
        )


@dataclass(frozen=True)
class Issue:
    """One problem found in an import, bilingual, pinned to its line or feature."""

    where: str
    problem: str  # a stable slug, e.g. "grid-outside-community"
    en: str
    zh: str
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "problem": self.problem,
            "code": self.code,
            "en": self.en,
            "zh": self.zh,
        }


@dataclass
class RegistryRejected(Exception):
    """An import or edit with errors; nothing was changed."""

    issues: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{i.where}: {i.en}" for i in self.issues[:20])


def chain_of(code: str, units: Mapping[str, OrgUnit]) -> list[str]:
    """The unit and its ancestors, nearest first (grid → community → street → district)."""
    out: list[str] = []
    current: str | None = code
    while current is not None and current in units and current not in out:
        out.append(current)
        current = units[current].parent_code
    return out
