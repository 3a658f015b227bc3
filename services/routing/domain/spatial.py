"""Point → unit through in-memory STRtrees over the registry's boundary polygons.

Rebuilt whole when the registry changes: building is O(n log n) and a lookup is
O(log n) plus the few candidates whose bounding boxes contain the point.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

_DEPTH = {"grid": 3, "community": 2, "street": 1, "district": 0}


class GridIndex:
    """Finds the grid (15-digit code) whose polygon covers a point."""

    def __init__(self, grids: Iterable[tuple[str, dict[str, Any]]]):
        codes: list[str] = []
        geoms: list[Any] = []
        for code, geojson in grids:
            codes.append(code)
            geoms.append(shape(geojson))
        shapely.prepare(geoms)
        self._codes = codes
        self._geoms = geoms
        self._tree = STRtree(geoms)

    def __len__(self) -> int:
        return len(self._codes)

    def grid_at(self, lng: float, lat: float) -> str | None:
        """The code of the grid covering the point (boundaries count as inside).

        On a shared edge two grids both cover the point; the lowest code wins so
        that the answer never depends on the order the tree was built in.
        """
        hits = self._tree.query(Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return min(self._codes[int(i)] for i in hits)


class AreaIndex:
    """Grids first, then the smallest enclosing unit: the locality backstop (属地兜底)."""

    def __init__(self, units: Iterable[tuple[str, str, dict[str, Any]]]):
        grids: list[tuple[str, dict[str, Any]]] = []
        areas: list[tuple[str, str, dict[str, Any]]] = []
        for code, level, geojson in units:
            if level == "grid":
                grids.append((code, geojson))
            else:
                areas.append((code, level, geojson))
        self.grids = GridIndex(grids)
        self._area_codes = [(code, level) for code, level, _ in areas]
        area_geoms = [shape(g) for _, _, g in areas]
        shapely.prepare(area_geoms)
        self._area_tree = STRtree(area_geoms)

    def grid_at(self, lng: float, lat: float) -> str | None:
        return self.grids.grid_at(lng, lat)

    def smallest_unit_at(self, lng: float, lat: float) -> str | None:
        """The deepest non-grid unit whose boundary covers the point, if any."""
        hits = self._area_tree.query(Point(lng, lat), predicate="intersects")
        best: tuple[int, str] | None = None
        for i in hits:
            code, level = self._area_codes[int(i)]
            key = (-_DEPTH[level], code)
            if best is None or key < best:
                best = key
        return best[1] if best else None
