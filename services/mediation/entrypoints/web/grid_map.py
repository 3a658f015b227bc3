"""The supervisors' grid picture: the registry's grid polygons drawn as SVG paths.

No map tiles are reachable offline, so the picture is the grids themselves, projected
equirectangularly around the area's mean latitude (a few kilometres across, where the
distortion is invisible) into a fixed-width view box, each filled by its open cases.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 600.0
MARGIN = 4.0
# Fill by open cases: 0, 1–2, 3–5, 6+ (light to dark; the legend says the same in text).
BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "#eef3f8"),
    (1, "#a6c8e4"),
    (3, "#2f6ea8"),
    (6, "#173f6b"),
)
# Counts written on the two dark fills are white (contrast over 4.5:1 either way).
DARK_FROM = 3


@dataclass(frozen=True)
class GridShape:
    code: str
    name: str
    open_cases: int
    path: str  # SVG path data
    fill: str
    text_fill: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class GridPicture:
    width: float
    height: float
    shapes: list[GridShape]


def fill_for(open_cases: int) -> str:
    colour = BUCKETS[0][1]
    for lower, fill in BUCKETS:
        if open_cases >= lower:
            colour = fill
    return colour


def _rings(geometry: dict[str, Any]) -> list[Sequence[Sequence[float]]]:
    """Outer rings of a Polygon or MultiPolygon (holes are not drawn)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coordinates[0]] if coordinates else []
    if kind == "MultiPolygon":
        return [polygon[0] for polygon in coordinates if polygon]
    return []


def draw(grids: Iterable[tuple[str, str, dict[str, Any] | None, int]]) -> GridPicture | None:
    """``grids``: (code, name, GeoJSON geometry, open cases). None if nothing to draw."""
    drawable = [(c, n, _rings(g), k) for c, n, g, k in grids if g]
    drawable = [d for d in drawable if d[2]]
    if not drawable:
        return None
    points = [p for _, _, rings, _ in drawable for ring in rings for p in ring]
    min_lng = min(p[0] for p in points)
    max_lng = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lng - min_lng) * x_scale, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = (WIDTH - 2 * MARGIN) / span_x
    height = span_y * scale + 2 * MARGIN

    def project(p: Sequence[float]) -> tuple[float, float]:
        return (
            MARGIN + (p[0] - min_lng) * x_scale * scale,
            MARGIN + (max_lat - p[1]) * scale,  # north up
        )

    shapes = []
    for code, name, rings, open_cases in sorted(drawable):
        parts = []
        xs: list[float] = []
        ys: list[float] = []
        for ring in rings:
            projected = [project(p) for p in ring]
            xs.extend(x for x, _ in projected)
            ys.extend(y for _, y in projected)
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + " Z")
        shapes.append(
            GridShape(
                code,
                name,
                open_cases,
                " ".join(parts),
                fill_for(open_cases),
                "#ffffff" if open_cases >= DARK_FROM else "#1a1a1a",
                sum(xs) / len(xs),
                sum(ys) / len(ys),
            )
        )
    return GridPicture(WIDTH, round(height, 1), shapes)
