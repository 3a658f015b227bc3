"""Two reports that may be each other's duplicates always lock a common cell, so their
duplicate searches never run side by side."""

from __future__ import annotations

import math
import random

from services.intake.domain.commands import Location, Point, Reporter, SubmitReport
from services.intake.domain.coordinates import distance_m
from services.intake.domain.duplicates import DuplicatePolicy, duplicate_cells

POLICY = DuplicatePolicy(radius_m=100.0)


def _report(lng: float, lat: float, category: str = "市容环境") -> SubmitReport:
    point = Point(lng, lat)
    return SubmitReport(
        kind="report",
        category=category,
        subcategory=None,
        title="t",
        description="d",
        location=Location(point, point, "WGS84", None, None),
        reporter=Reporter(channel="desk"),
        source="上报",
        parties=(),
    )


def test_reports_within_the_duplicate_radius_always_share_a_locked_cell() -> None:
    rng = random.Random(11)
    for _ in range(5000):
        lat = rng.uniform(18.0, 53.0)
        lng = rng.uniform(73.0, 135.0)
        bearing, metres = rng.uniform(0, 2 * math.pi), rng.uniform(0, 100.0)
        other_lat = lat + metres * math.cos(bearing) / 111_320
        other_lng = lng + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
        if distance_m((lng, lat), (other_lng, other_lat)) > POLICY.radius_m:
            continue
        mine = set(duplicate_cells([_report(lng, lat)], POLICY))
        theirs = set(duplicate_cells([_report(other_lng, other_lat)], POLICY))
        assert mine & theirs, (lng, lat, other_lng, other_lat)
        assert len(mine) <= 6


def test_cells_are_per_category_sorted_and_only_for_searched_reports() -> None:
    here = duplicate_cells([_report(111.5672, 24.4121)], POLICY)
    assert here == sorted(here)
    assert not set(here) & set(duplicate_cells([_report(111.5672, 24.4121, "街面秩序")], POLICY))
    assert duplicate_cells([_report(111.5672, 24.4121)], DuplicatePolicy(radius_m=0)) == []
