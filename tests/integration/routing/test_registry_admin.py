"""Registry imports through the admin API: all-or-nothing, every problem reported,
registry events in the outbox, export round trip, policy edits, coverage, and every
routing process noticing a registry change."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from shapely.affinity import translate
from shapely.geometry import mapping, shape

from services.routing.service_layer.handlers import RoutingCache
from tests.integration.routing.cases import active, inside, submit
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

GRID = "451102001002004"
NEIGHBOUR = "451102001002005"
COMMUNITY = "451102001002"

Doc = dict[str, Any]


def _feature(doc: Doc, code: str) -> Doc:
    feature: Doc = next(f for f in doc["features"] if f["properties"]["code"] == code)
    return feature


def self_intersecting(doc: Doc) -> None:
    ring = _feature(doc, GRID)["geometry"]["coordinates"][0]
    a, b = ring[0], ring[1]
    ring[0], ring[1] = b, a  # a bow tie
    ring[-1] = ring[0]


def grid_outside_community(doc: Doc) -> None:
    geom = shape(_feature(doc, GRID)["geometry"])
    moved = translate(geom, xoff=1.0)
    _feature(doc, GRID)["geometry"] = json.loads(json.dumps(mapping(moved)))


def overlapping_siblings(doc: Doc) -> None:
    bigger = shape(_feature(doc, GRID)["geometry"]).union(
        shape(_feature(doc, NEIGHBOUR)["geometry"]).buffer(-0.0002)
    )
    _feature(doc, GRID)["geometry"] = json.loads(json.dumps(mapping(bigger)))


def gap(doc: Doc) -> None:
    shrunk = shape(_feature(doc, GRID)["geometry"]).buffer(-0.0005)
    _feature(doc, GRID)["geometry"] = json.loads(json.dumps(mapping(shrunk)))


def duplicate_code(doc: Doc) -> None:
    doc["features"].append(copy.deepcopy(_feature(doc, GRID)))


def malformed_code(doc: Doc) -> None:
    _feature(doc, GRID)["properties"]["code"] = "4511020010020x4"


def code_not_extending_parent(doc: Doc) -> None:
    _feature(doc, GRID)["properties"]["parent_code"] = "451102001003"


FAILURES: dict[str, tuple[Callable[[Doc], None], str]] = {
    "self-intersection": (self_intersecting, "self-intersection"),
    "grid-outside-community": (grid_outside_community, "grid-outside-community"),
    "overlapping-siblings": (overlapping_siblings, "overlapping-siblings"),
    "gap": (gap, "gap"),
    "duplicate-code": (duplicate_code, "duplicate-code"),
    "malformed-code": (malformed_code, "malformed-code"),
    "code-not-extending-parent": (code_not_extending_parent, "code-not-extending-parent"),
}


async def _snapshot(world: RoutingWorld) -> tuple[Any, ...]:
    units = await world.stack.sql("SELECT code, name, boundary FROM routing.units ORDER BY code")
    outbox = await world.stack.sql("SELECT count(*) AS n FROM routing.outbox")
    version = await world.stack.sql("SELECT version FROM routing.registry_version")
    return [tuple(r) for r in units], outbox[0]["n"], version[0]["version"]


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_an_import_with_an_error_changes_nothing(world: RoutingWorld, failure: str) -> None:
    mutate, expected = FAILURES[failure]
    doc = copy.deepcopy(world.district.units)
    # Also rename a valid community: a change that must not be applied either.
    _feature(doc, COMMUNITY)["properties"]["name"] = "改名社区"
    mutate(doc)
    before = await _snapshot(world)
    response = await world.stack.client("routing", "admin").post(
        "/admin/registry/units/import",
        content=json.dumps(doc),
        headers={"content-type": "application/geo+json", "accept-language": "en"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert expected in {p["problem"] for p in body["problems"]}, body["problems"]
    assert all(p["where"].startswith("features[") for p in body["problems"])
    assert await _snapshot(world) == before


async def test_every_problem_is_reported_at_once_with_its_line(world: RoutingWorld) -> None:
    csv_text = (
        "code,name,level,parent_code,area_type,wkt\n"
        "451102001002901,好网格,grid,451102001002,urban,"
        '"POLYGON ((111.0 24.0, 111.001 24.0, 111.001 24.001, 111.0 24.001, 111.0 24.0))"\n'
        "45110200100,坏编码,grid,,urban,\n"
        "451102001002902,坏边界,grid,451102001002,urban,POLYGON ((oops))\n"
    )
    before = await _snapshot(world)
    response = await world.stack.client("routing", "admin").post(
        "/admin/registry/units/import", content=csv_text, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 422
    by_place = {(p["where"], p["problem"]) for p in response.json()["problems"]}
    assert ("line 2", "grid-outside-community") in by_place
    assert ("line 3", "malformed-code") in by_place
    assert ("line 4", "bad-wkt") in by_place
    assert await _snapshot(world) == before


async def test_export_then_import_is_a_no_op_and_a_change_emits_one_event(
    world: RoutingWorld,
) -> None:
    routing = world.stack.client("routing", "admin")
    exported = await routing.get("/admin/registry/units/export", params={"format": "csv"})
    assert exported.status_code == 200
    assert exported.text.startswith("code,name,level,parent_code,area_type,wkt\n")
    again = await routing.post(
        "/admin/registry/units/import",
        content=exported.text,
        headers={"content-type": "text/csv"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["created"] == again.json()["updated"] == 0
    assert again.json()["unchanged"] == 337

    renamed = exported.text.replace("八步街道", "八步街道（新）")
    changed = await routing.post(
        "/admin/registry/units/import", content=renamed, headers={"content-type": "text/csv"}
    )
    assert changed.json()["updated_codes"] == ["451102001"]
    rows = await world.stack.sql(
        "SELECT envelope FROM routing.outbox WHERE key = '451102001' ORDER BY id"
    )
    last = json.loads(rows[-1]["envelope"])
    assert last["type"] == "cn.gridcase.registry.unit-upserted.v1"
    assert last["data"]["name"] == "八步街道（新）"
    assert last["data"]["level"] == "street"


async def test_demo_import_published_every_unit_and_person(world: RoutingWorld) -> None:
    rows = await world.stack.sql(
        "SELECT type, count(*) AS n FROM routing.outbox WHERE topic LIKE '%gridcase.registry.v1'"
        " GROUP BY type"
    )
    counts = {r["type"]: r["n"] for r in rows}
    assert counts["cn.gridcase.registry.unit-upserted.v1"] == 337
    assert counts["cn.gridcase.registry.staff-upserted.v1"] == len(world.district.staff)


async def test_every_routing_process_notices_a_registry_change(world: RoutingWorld) -> None:
    other_process = RoutingCache()
    point = inside(world, GRID)
    await submit(world, point=point)
    async with world.runtime.uow() as uow:
        from services.routing.adapters.repository import RoutingRepository

        await other_process.current(RoutingRepository(uow.connection))
    assert other_process.rebuilds == 1

    # Split GRID: a new grid 999 takes its western half (GRID keeps the rest).
    geom = shape(world.district.boundary_of(GRID))
    minx, miny, maxx, maxy = geom.bounds
    from shapely.geometry import box

    west = geom.intersection(box(minx, miny, (minx + maxx) / 2, maxy))
    east = geom.difference(west)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "area_type": "urban"},
                "geometry": json.loads(json.dumps(mapping(g))),
            }
            for code, name, g in ((GRID, "东半网格", east), (COMMUNITY + "999", "西半网格", west))
        ],
    }
    response = await world.stack.client("routing", "admin").post(
        "/admin/registry/units/import", json=doc
    )
    assert response.status_code == 200, response.text
    west_point = west.representative_point()
    world.cache = other_process  # the decision is made by the process that did not import
    case_id = await submit(world, point=(west_point.x, west_point.y))
    decision = await active(world, case_id)
    assert decision["explanation"]["location"]["unit_code"] == COMMUNITY + "999"
    assert decision["explanation"]["located_by"] == "point-in-grid"
    assert other_process.rebuilds == 2


async def test_policy_edits_are_versioned_and_used_by_the_next_decision(
    world: RoutingWorld,
) -> None:
    routing = world.stack.client("routing", "admin")
    current = (await routing.get("/admin/routing-policy")).json()
    assert current["version"] == 1
    assert [r["id"] for r in current["rules"]][:3] == [
        "criminal-risk",
        "ethnic-factor",
        "group-dispute",
    ]
    rules = current["rules"]
    [group] = [r for r in rules if r["id"] == "group-dispute"]
    group["when"]["people_at_least"] = 10
    response = await routing.put("/admin/routing-policy", json={"rules": rules, "note": "门槛10人"})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2

    case_id = await submit(
        world, kind="dispute", category="劳资纠纷", point=inside(world, GRID), people_involved=12
    )
    decision = await active(world, case_id)
    assert decision["rule"] == "group-dispute"
    assert decision["explanation"]["policy_version"] == 2
    versions = (await routing.get("/admin/routing-policy/versions")).json()
    assert [v["version"] for v in versions] == [2, 1]


async def test_an_invalid_policy_is_refused_with_every_problem(world: RoutingWorld) -> None:
    response = await world.stack.client("routing", "admin").put(
        "/admin/routing-policy",
        json={
            "rules": [
                {"id": "x", "when": {"colour": "red"}, "roles": ["judge"]},
                {"id": "y", "when": {"kinds": ["report"]}, "roles": ["grid_officer"]},
            ]
        },
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"#/rules/0/when/colour", "#/rules/0/roles/0", "#/rules/1"}
    assert (await world.stack.client("routing", "admin").get("/admin/routing-policy")).json()[
        "version"
    ] == 1


async def test_coverage_report_finds_missing_people(world: RoutingWorld) -> None:
    routing = world.stack.client("routing", "admin")
    assert (await routing.get("/admin/registry/coverage")).json()["complete"] is True
    for staff_id in (f"go-{GRID}", f"la-{COMMUNITY}", f"pc-{COMMUNITY}"):
        assert (await routing.delete(f"/admin/registry/staff/{staff_id}")).status_code == 204
    mediators = await world.stack.sql(
        "SELECT staff_id FROM routing.staff WHERE role='mediator' AND unit_code=$1 ORDER BY 1",
        COMMUNITY,
    )
    for row in mediators[2:]:
        await routing.delete(f"/admin/registry/staff/{row['staff_id']}")
    report = (await routing.get("/admin/registry/coverage")).json()
    assert report["complete"] is False
    assert [g["code"] for g in report["grids_without_officer"]] == [GRID]
    assert [c["code"] for c in report["communities_without_legal_adviser"]] == [COMMUNITY]
    assert [c["code"] for c in report["communities_without_police"]] == [COMMUNITY]
    assert report["small_committees"] == [
        {"code": COMMUNITY, "name": report["small_committees"][0]["name"], "members": 2}
    ]


async def test_staff_import_is_all_or_nothing(world: RoutingWorld) -> None:
    routing = world.stack.client("routing", "admin")
    before = await world.stack.sql("SELECT * FROM routing.staff ORDER BY staff_id")
    response = await routing.post(
        "/admin/registry/staff/import",
        json=[
            {"staff_id": "md-new", "name": "新调解员", "role": "mediator", "unit_code": COMMUNITY},
            {
                "staff_id": "go-bad",
                "name": "错层级",
                "role": "grid_officer",
                "unit_code": COMMUNITY,
            },
            {
                "staff_id": "x",
                "name": "无单位",
                "role": "legal_adviser",
                "unit_code": "451102999999",
            },
        ],
    )
    assert response.status_code == 422
    problems = {(p["where"], p["problem"]) for p in response.json()["problems"]}
    assert problems == {("staff[1]", "wrong-unit-level"), ("staff[2]", "unknown-unit")}
    assert await world.stack.sql("SELECT * FROM routing.staff ORDER BY staff_id") == before


async def test_empty_registry_accepts_the_demo_as_csv(empty_routing: RoutingWorld) -> None:
    from services.routing.adapters.registry_files import read_units_geojson, units_to_csv

    drafts, _ = read_units_geojson(empty_routing.district.units)
    csv_text = units_to_csv(d.to_unit() for d in drafts)
    response = await empty_routing.stack.client("routing", "admin").post(
        "/admin/registry/units/import", content=csv_text, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 337
