"""The generated demo district: 八步区 (451102) with 6 streets/townships, 30 communities
and villages, about 300 grids and staff for every role, with Chinese names.

Boundaries are nested Voronoi tessellations: streets tile the district, communities
tile their street and grids tile their community, each clipped to its parent, so
siblings never overlap and grids leave no gaps. Every cell is convex, which real
grids are not, but they are plausible enough to route against. The same seed gives
the same district, so demo case coordinates stay meaningful.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
from faker import Faker
from shapely.geometry import MultiPoint, Point, Polygon, box, mapping

DISTRICT_CODE = "451102"
DISTRICT_NAME = "八步区"
CENTRE = (111.55, 24.41)
SPAN = (0.30, 0.24)  # degrees of longitude and latitude, about 30 km × 27 km
PRECISION = 1e-6  # about 0.1 m

# (name, urban?, communities, grids per community)
STREETS = (
    ("八步街道", True, 6, 12),
    ("城东街道", True, 6, 12),
    ("江南街道", True, 6, 12),
    ("贺街镇", False, 4, 7),
    ("莲塘镇", False, 4, 7),
    ("黄洞瑶族乡", False, 4, 7),
)
URBAN_NAMES = [
    "东融",
    "建设",
    "光明",
    "新华",
    "人民",
    "灵峰",
    "松木",
    "太白",
    "龙山",
    "桂东",
    "江北",
    "厦岛",
    "鞍山",
    "文华",
    "城南",
    "平安",
    "站前",
    "西约",
    "河东",
    "路花",
]
RURAL_NAMES = [
    "大田",
    "长龙",
    "新村",
    "马窝",
    "桂山",
    "石门",
    "黄石",
    "沙田",
    "水口",
    "大塘",
    "莲花",
    "枫木",
    "双瑶",
    "三岔",
    "古柏",
]
DISPUTE_TYPES = (
    "婚姻家庭邻里",
    "房屋宅基地",
    "土地山林水利权属",
    "征地拆迁安置",
    "劳资纠纷",
    "医患纠纷",
    "物业管理",
    "债权债务",
    "损害赔偿",
    "环境污染",
    "村(社区)务管理",
    "农村土地承包",
    "民族宗教",
)


@dataclass(frozen=True)
class DemoDistrict:
    units: dict[str, Any]  # a GeoJSON FeatureCollection
    staff: list[dict[str, Any]]  # staff records, as the staff import reads them

    @property
    def grid_codes(self) -> list[str]:
        return [
            f["properties"]["code"]
            for f in self.units["features"]
            if f["properties"]["level"] == "grid"
        ]

    def boundary_of(self, code: str) -> dict[str, Any]:
        for feature in self.units["features"]:
            if feature["properties"]["code"] == code:
                boundary: dict[str, Any] = feature["geometry"]
                return boundary
        raise KeyError(code)


def _seeds(rng: random.Random, area: Polygon, n: int) -> list[Point]:
    """``n`` points inside ``area``, kept apart so no cell is a sliver."""
    minx, miny, maxx, maxy = area.bounds
    spacing = 0.6 * math.sqrt(area.area / n)
    points: list[Point] = []
    attempts = 0
    while len(points) < n:
        attempts += 1
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if not area.contains(p):
            continue
        if attempts < 5000 and any(p.distance(q) < spacing for q in points):
            continue
        points.append(p)
    return points


def _tessellate(rng: random.Random, area: Polygon, n: int) -> list[Polygon]:
    """``n`` convex cells tiling ``area``, ordered west-to-east within south-to-north bands."""
    seeds = _seeds(rng, area, n)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
    clipped = [cell.intersection(area) for cell in cells.geoms]
    snapped = [shapely.set_precision(c, PRECISION) for c in clipped]
    rows = max(1, round(math.sqrt(n)))
    miny, maxy = area.bounds[1], area.bounds[3]
    band = (maxy - miny) / rows or 1.0

    def order(cell: Polygon) -> tuple[int, float]:
        c = cell.centroid
        return (int((c.y - miny) / band), c.x)

    return sorted((c for c in snapped if not c.is_empty), key=order)


def _feature(
    code: str, name: str, level: str, parent: str | None, area_type: str | None, geom: Polygon
) -> dict[str, Any]:
    geometry = shapely.geometry.shape(mapping(geom))
    return {
        "type": "Feature",
        "id": code,
        "properties": {
            "code": code,
            "name": name,
            "level": level,
            "parent_code": parent,
            "area_type": area_type,
        },
        "geometry": _as_lists(mapping(geometry)),
    }


def _as_lists(value: Any) -> Any:
    """GeoJSON wants lists; shapely's ``mapping`` gives tuples."""
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def generate(seed: int = 451102, *, now: datetime | None = None) -> DemoDistrict:
    """The demo district; ``now`` anchors the few off-duty periods (leave this week)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    now = now or datetime.now(UTC)
    lng, lat = CENTRE
    district = box(lng - SPAN[0] / 2, lat - SPAN[1] / 2, lng + SPAN[0] / 2, lat + SPAN[1] / 2)
    features = [_feature(DISTRICT_CODE, DISTRICT_NAME, "district", None, None, district)]
    staff: list[dict[str, Any]] = []

    def person(staff_id: str, role: str, unit: str, **extra: Any) -> None:
        staff.append(
            {
                "staff_id": staff_id,
                "name": fake.name(),
                "role": role,
                "unit_code": unit,
                "phone": fake.phone_number(),
                **extra,
            }
        )

    for n in range(1, 4):
        person(f"op-{DISTRICT_CODE}-{n}", "centre_operator", DISTRICT_CODE, capacity=500)
    urban_names, rural_names = list(URBAN_NAMES), list(RURAL_NAMES)
    rng.shuffle(urban_names)
    rng.shuffle(rural_names)
    streets = _tessellate(rng, district, len(STREETS))
    for s, ((street_name, urban, n_communities, n_grids), street_geom) in enumerate(
        zip(STREETS, streets, strict=True), start=1
    ):
        street = f"{DISTRICT_CODE}{s:03d}"
        features.append(_feature(street, street_name, "street", DISTRICT_CODE, None, street_geom))
        for n in range(1, 3):
            person(f"op-{street}-{n}", "centre_operator", street, capacity=200)
        for n in range(1, 4):
            person(
                f"md-{street}-{n}",
                "mediator",
                street,
                capacity=15,
                skills=rng.sample(DISPUTE_TYPES, 4),
            )
        for c, community_geom in enumerate(_tessellate(rng, street_geom, n_communities), start=1):
            community = f"{street}{c:03d}"
            area_type = "urban" if urban else "rural"
            base = urban_names.pop() + "社区" if urban else rural_names.pop() + "村"
            features.append(
                _feature(community, base, "community", street, area_type, community_geom)
            )
            for n in range(1, rng.randint(3, 5) + 1):
                person(
                    f"md-{community}-{n}",
                    "mediator",
                    community,
                    capacity=10,
                    skills=rng.sample(DISPUTE_TYPES, 3),
                )
            person(
                f"pc-{community}",
                "community_police",
                community,
                capacity=30,
                employment="full_time" if urban else "part_time",
            )
            person(f"la-{community}", "legal_adviser", community, capacity=15)
            for g, grid_geom in enumerate(_tessellate(rng, community_geom, n_grids), start=1):
                grid = f"{community}{g:03d}"
                features.append(
                    _feature(grid, f"{base}第{g}网格", "grid", community, area_type, grid_geom)
                )
                extra: dict[str, Any] = {"capacity": 30}
                if rng.random() < 0.03:
                    extra["off_duty"] = [
                        {
                            "start": (now - timedelta(days=1)).isoformat(),
                            "end": (now + timedelta(days=6)).isoformat(),
                            "reason": "休假",
                        }
                    ]
                person(f"go-{grid}", "grid_officer", grid, **extra)
    # One operator of each community's centre (社区综治中心), drawn last so that the rest
    # of the district (and so routing's choices in the demo) stays as it was.
    for feature in features:
        if feature["properties"]["level"] == "community":
            code = feature["properties"]["code"]
            person(f"op-{code}-1", "centre_operator", code, capacity=100)
    return DemoDistrict({"type": "FeatureCollection", "features": features}, staff)
