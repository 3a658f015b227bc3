"""A routing run over the whole demo district: every case lands in a valid unit, with
a person where one is eligible, and an explanation naming the rule and the candidates."""

from __future__ import annotations

import random

import pytest
from shapely.geometry import Point, shape

from tests.integration.routing.cases import decisions, inside, submit
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

KINDS = [
    ("report", "市容环境", [], None),
    ("dispute", "婚姻家庭邻里", [], None),
    ("dispute", "劳资纠纷", [], 80),
    ("dispute", "民族宗教", [], None),
    ("dispute", "债权债务", ["拼命"], None),
    ("report", "法律咨询", [], None),
]


async def test_every_case_in_the_district_lands_in_a_valid_unit_with_reasons(
    world: RoutingWorld,
) -> None:
    rng = random.Random(7)
    units = {f["properties"]["code"]: f["properties"] for f in world.district.units["features"]}
    grids = world.district.grid_codes
    cases: list[tuple[str, str | None]] = []  # (case id, grid the point is in)
    for i, grid in enumerate(grids):
        kind, category, signals, people = KINDS[i % len(KINDS)]
        point = inside(world, grid)
        case_id = await submit(
            world,
            kind=kind,
            category=category,
            point=point,
            risk_signals=signals,
            people_involved=people,
        )
        cases.append((case_id, grid))
    district = shape(world.district.boundary_of("451102"))
    for _ in range(20):  # outside the district: the locality backstop
        point = (rng.uniform(112.0, 113.0), rng.uniform(25.0, 26.0))
        assert not district.contains(Point(point))
        cases.append((await submit(world, point=point), None))

    rules_seen = set()
    for case_id, home in cases:
        [decision] = await decisions(world, case_id)
        explanation = decision["explanation"]
        rules_seen.add(decision["rule"])
        assert decision["unit_code"] in units
        assert explanation["text"] and explanation["rule"]["matched_because"]
        assert explanation["steps"], explanation
        if home is None:
            assert explanation["located_by"].endswith("属地兜底")
            assert decision["unit_code"] == "451102"
        else:
            assert explanation["location"]["unit_code"] == home
            # The lead's unit is the grid or one of its ancestors.
            assert home.startswith(decision["unit_code"])
        assert decision["assignee_id"] is not None, explanation
        chosen = [c for c in explanation["candidates"] if c["chosen"]]
        assert [c["staff_id"] for c in chosen] == [decision["assignee_id"]]
    assert rules_seen == {
        "urban-management",
        "dispute",
        "group-dispute",
        "ethnic-factor",
        "criminal-risk",
        "legal-question",
    }
    off_duty = await world.stack.sql(
        "SELECT staff_id FROM routing.staff WHERE off_duty <> '[]'::jsonb"
    )
    loaded = await world.stack.sql(
        "SELECT staff_id FROM routing.staff WHERE open_cases > 0 AND off_duty <> '[]'::jsonb"
    )
    assert off_duty and not loaded  # people on leave were never chosen
