"""Small hand-made trees for domain tests: one district, one street, one community
split into two square grids, and a second community beside it without grids."""

from __future__ import annotations

from typing import Any

from services.routing.domain.registry import OrgUnit, UnitDraft

D, S, C, C2 = "451102", "451102001", "451102001001", "451102001002"
G1, G2 = C + "001", C + "002"


def square(x: float, y: float, w: float, h: float | None = None) -> dict[str, Any]:
    h = w if h is None else h
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def units() -> dict[str, OrgUnit]:
    rows = [
        OrgUnit(D, "八步区", "district", None, None, square(0, 0, 10)),
        OrgUnit(S, "城东街道", "street", D, None, square(0, 0, 4)),
        OrgUnit(C, "东融社区", "community", S, "urban", square(0, 0, 2, 1)),
        OrgUnit(C2, "光明社区", "community", S, "urban", square(2, 0, 2, 1)),
        OrgUnit(G1, "第1网格", "grid", C, "urban", square(0, 0, 1)),
        OrgUnit(G2, "第2网格", "grid", C, "urban", square(1, 0, 1)),
    ]
    return {u.code: u for u in rows}


def drafts(tree: dict[str, OrgUnit] | None = None) -> list[UnitDraft]:
    return [
        UnitDraft(f"features[{i}]", u.code, u.name, u.level, u.parent_code, u.area_type, u.boundary)
        for i, u in enumerate((tree or units()).values())
    ]
