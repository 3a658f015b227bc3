"""The grid picture: registry polygons projected into SVG, north up, filled by open
cases in the legend's buckets."""

from __future__ import annotations

from services.mediation.entrypoints.web import grid_map


def _square(x: float, y: float, size: float = 0.005) -> dict[str, object]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_grids_are_drawn_side_by_side_north_up_and_filled_by_open_cases() -> None:
    picture = grid_map.draw(
        [
            ("g1", "第1网格", _square(111.560, 24.410), 0),
            ("g2", "第2网格", _square(111.565, 24.410), 4),
            ("g3", "第3网格", _square(111.560, 24.415), 9),
            ("no-boundary", "无边界", None, 3),
        ]
    )
    assert picture is not None
    assert [s.code for s in picture.shapes] == ["g1", "g2", "g3"]
    g1, g2, g3 = picture.shapes
    assert g1.label_x < g2.label_x  # east is right
    assert g3.label_y < g1.label_y  # north is up
    assert picture.width == grid_map.WIDTH
    # Two grids wide, two high, longitude shrunk by cos(latitude): taller than wide/2.
    assert picture.height > picture.width / 2
    assert [s.fill for s in picture.shapes] == ["#eef3f8", "#2f6ea8", "#173f6b"]
    assert g1.text_fill == "#1a1a1a" and g3.text_fill == "#ffffff"
    assert g1.path.startswith("M") and g1.path.endswith("Z")


def test_nothing_to_draw_without_boundaries() -> None:
    assert grid_map.draw([("g1", "第1网格", None, 2)]) is None
    assert grid_map.fill_for(1) == grid_map.fill_for(2) != grid_map.fill_for(3)
