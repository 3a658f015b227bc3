"""Point → grid through an in-memory STRtree over the grids' boundary polygons.

Rebuilt whole when the registry changes: building is O(n log n) and a lookup is
O(log n) plus the few candidates whose bounding boxes contain the point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree


@dataclass(frozen=True)
class GridShape:
    code: str
    geometry: Any  # shapely Polygon/MultiPolygon


class GridIndex:
    def __init__(self, grids: Iterable[tuple[str, dict[str, Any]]]):
        self._shapes = [GridShape(code, shape(geojson)) for code, geojson in grids]
        geoms = [g.geometry for g in self._shapes]
        for geom in geoms:
            shapely.prepare(geom)
        self._tree = STRtree(geoms)

    def __len__(self) -> int:
        return len(self._shapes)

    def grid_at(self, lng: float, lat: float) -> str | None:
        """The code of the grid covering the point (boundaries count as inside)."""
        point = Point(lng, lat)
        for idx in self._tree.query(point, predicate="intersects"):
            return self._shapes[int(idx)].code
        return None
