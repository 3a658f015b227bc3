"""The serving area and the known grid codes, from intake's mirror of the registry.

The serving area is the union of the boundaries of the registry's top units (those
without a parent: the districts). A point inside it but outside every grid is still
served (属地兜底: routing finds the smallest enclosing unit), so intake refuses only
points outside the whole area.

While the mirror holds no boundary at all (a new deployment whose registry events have
not arrived yet), intake cannot tell inside from outside: it accepts the point and
records ``jurisdiction_checked = false`` so the case can be reviewed. Refusing would
lose reports during exactly the start-up window the outbox is meant to cover.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.ops import unary_union


@dataclass(frozen=True)
class MirroredUnit:
    code: str
    level: str
    parent_code: str | None
    boundary: dict[str, Any] | None


class ServingArea:
    def __init__(self, units: Iterable[MirroredUnit]):
        units = list(units)
        codes = {u.code for u in units}
        roots = [
            shape(u.boundary)
            for u in units
            if u.boundary and (u.parent_code is None or u.parent_code not in codes)
        ]
        self._area = unary_union(roots) if roots else None
        if self._area is not None:
            shapely.prepare(self._area)
        self._grids = frozenset(u.code for u in units if u.level == "grid")

    @property
    def known(self) -> bool:
        """Whether the mirror has a boundary to check points against."""
        return self._area is not None

    def contains(self, lng: float, lat: float) -> bool:
        """Inside or on the edge of the serving area (True while the area is unknown)."""
        if self._area is None:
            return True
        return bool(self._area.intersects(Point(lng, lat)))

    def knows_grid(self, code: str) -> bool:
        """Whether ``code`` is a grid of the registry (True while no grid is mirrored)."""
        return not self._grids or code in self._grids


EMPTY = ServingArea([])
