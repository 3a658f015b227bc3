"""Policy parsing, registry file readers and writers, and the demo district's shape."""

from __future__ import annotations

import json

import pytest

from gridcase.demo_district import generate
from services.routing.adapters.registry_files import (
    read_staff,
    read_units_csv,
    read_units_geojson,
    staff_to_csv,
    units_to_csv,
    units_to_geojson,
)
from services.routing.domain.policy import DEFAULT_RULES, CaseFacts, PolicyInvalid, parse_rules
from services.routing.domain.staff import coverage, validate_staff
from services.routing.domain.tree_validation import validate_import
from tests.unit.routing.builders import units


def test_default_policy_parses_and_first_match_wins() -> None:
    policy = parse_rules(DEFAULT_RULES, 1)
    match = policy.match(CaseFacts("dispute", "民族宗教", ("暴力",), 120))
    assert match is not None
    assert match.rule.id == "criminal-risk"
    assert match.also_matched == ["ethnic-factor", "group-dispute", "dispute", "catch-all"]
    other = policy.match(CaseFacts("report", "其他"))
    assert other is not None and other.rule.id == "urban-management"


def test_a_policy_without_a_catch_all_or_with_unknown_roles_is_refused() -> None:
    with pytest.raises(PolicyInvalid) as caught:
        parse_rules([{"id": "a", "when": {"kinds": ["report"]}, "roles": ["sheriff"]}])
    pointers = {p for p, _, _ in caught.value.problems}
    assert pointers == {"#/rules/0/roles/0", "#/rules/0"}


def test_units_round_trip_through_geojson_and_csv() -> None:
    tree = units()
    drafts, issues = read_units_geojson(json.dumps(units_to_geojson(tree.values())))
    assert issues == [] and [d.to_unit() for d in drafts] == sorted(
        tree.values(), key=lambda u: u.code
    )
    drafts, issues = read_units_csv(units_to_csv(tree.values()))
    assert issues == [] and [d.to_unit() for d in drafts] == sorted(
        tree.values(), key=lambda u: u.code
    )
    assert [d.where for d in drafts][:2] == ["line 2", "line 3"]


def test_unreadable_input_is_reported_with_its_place() -> None:
    _, issues = read_units_geojson(b"{not json")
    assert [i.problem for i in issues] == ["bad-json"]
    _, issues = read_units_csv("code,name,wkt\n451102,区,POLYGON((1 2\n")
    assert [(i.where, i.problem) for i in issues] == [("line 2", "bad-wkt")]
    _, issues = read_staff(
        "staff_id,name,role,unit_code,capacity,off_duty\n"
        "a,甲,mediator,451102001001,many,\n"
        "b,乙,mediator,451102001001,3,2026-01-02T00:00/2026-01-01T00:00\n",
        "csv",
    )
    assert [(i.where, i.problem) for i in issues] == [
        ("line 2", "bad-capacity"),
        ("line 3", "bad-off-duty"),
    ]


def test_the_demo_district_is_valid_complete_and_round_trips() -> None:
    district = generate()
    levels = [f["properties"]["level"] for f in district.units["features"]]
    assert levels.count("street") == 6
    assert levels.count("community") == 30
    assert 280 <= levels.count("grid") <= 320
    drafts, issues = read_units_geojson(district.units)
    tree, problems = validate_import(drafts, {})
    assert issues == problems == [] and tree is not None
    members, issues = read_staff(json.dumps(district.staff), "json")
    assert issues == [] and validate_staff(members, tree.units) == []
    assert coverage(tree.units.values(), [m for _, m in members]).complete
    roles = {m.role for _, m in members}
    assert roles == {
        "grid_officer",
        "mediator",
        "community_police",
        "legal_adviser",
        "centre_operator",
    }
    assert all("\u4e00" <= m.name[0] <= "\u9fff" for _, m in members)
    again, _ = read_staff(staff_to_csv(m for _, m in members), "csv")
    assert [m for _, m in again] == [m for _, m in members]
    assert generate().units == district.units  # same seed, same district
