"""Each import validation failure is found and pinned to its feature."""

from __future__ import annotations

import dataclasses

from services.routing.domain.registry import OrgUnit, level_of, parent_code_of
from services.routing.domain.tree_validation import validate_import
from tests.unit.routing.builders import G1, G2, C, S, drafts, square, units


def problems_of(tree: dict[str, OrgUnit], **kwargs: object) -> set[tuple[str, str]]:
    result, issues = validate_import(drafts(tree), {}, **kwargs)  # type: ignore[arg-type]
    assert (result is None) == bool(issues)
    return {(i.where, i.problem) for i in issues}


def changed(code: str, **fields: object) -> dict[str, OrgUnit]:
    tree = units()
    tree[code] = dataclasses.replace(tree[code], **fields)  # type: ignore[arg-type]
    return tree


def test_a_valid_tree_passes_and_lists_parents_before_children() -> None:
    result, issues = validate_import(drafts(), {})
    assert issues == []
    assert result is not None
    assert [u.level for u in result.upserted][:3] == ["district", "street", "community"]


def test_codes_nest() -> None:
    assert level_of("451102001001002") == "grid"
    assert parent_code_of("451102001001002") == "451102001001"
    assert parent_code_of("451102") is None
    assert level_of("4511020") is None


def test_self_intersecting_polygon() -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert ("features[4]", "self-intersection") in problems_of(changed(G1, boundary=bow_tie))


def test_grid_outside_its_community() -> None:
    assert ("features[4]", "grid-outside-community") in problems_of(
        changed(G1, boundary=square(0, 0.5, 1))
    )


def test_overlapping_sibling_grids_beyond_the_tolerance() -> None:
    overlap = changed(G2, boundary=square(0.9, 0, 1.1, 1))
    assert ("features[5]", "overlapping-siblings") in problems_of(overlap)
    # A sliver under the tolerance is rounding, not an overlap.
    sliver = changed(G2, boundary=square(0.99999, 0, 1.00001, 1))
    assert problems_of(sliver) == set()


def test_gap_between_grids() -> None:
    assert ("features[2]", "gap") in problems_of(changed(G2, boundary=square(1, 0, 0.5, 1)))


def test_duplicate_and_malformed_codes() -> None:
    doubled = [*drafts(), drafts()[4]]
    doubled[-1] = dataclasses.replace(doubled[-1], where="features[6]")
    _, issues = validate_import(doubled, {})
    assert ("features[6]", "duplicate-code") in {(i.where, i.problem) for i in issues}
    tree = units()
    bad = dataclasses.replace(drafts(tree)[4], code="45110200100100A")
    _, issues = validate_import([*drafts(tree)[:4], bad, drafts(tree)[5]], {})
    assert ("features[4]", "malformed-code") in {(i.where, i.problem) for i in issues}


def test_code_not_extending_the_parents_code() -> None:
    assert ("features[4]", "code-not-extending-parent") in problems_of(
        changed(G1, parent_code="451102001002")
    )


def test_level_that_contradicts_the_code_and_unknown_parent() -> None:
    assert ("features[4]", "level-mismatch") in problems_of(changed(G1, level="community"))
    tree = units()
    del tree[S]
    assert ("features[2]", "unknown-parent") in problems_of(tree)


def test_every_problem_is_reported_not_just_the_first() -> None:
    tree = changed(G1, boundary=square(0, 0.5, 1), name="")
    tree[C] = dataclasses.replace(tree[C], area_type=None)
    found = {p for _, p in problems_of(tree)}
    assert {"grid-outside-community", "missing-name", "missing-area-type", "gap"} <= found


def test_a_file_may_add_grids_under_units_already_in_the_registry() -> None:
    existing = units()
    new = dataclasses.replace(drafts()[5], code=C + "003", boundary=square(1, 0, 1))
    moved = dataclasses.replace(drafts()[5], boundary=square(1, 0, 0.5, 1))
    _, issues = validate_import([new], existing)
    assert {i.problem for i in issues} == {"overlapping-siblings"}
    result, issues = validate_import(
        [moved, dataclasses.replace(new, boundary=square(1.5, 0, 0.5, 1))], existing
    )
    assert issues == []
    assert result is not None
    assert [u.code for u in result.upserted] == [G2, C + "003"]


def test_replace_refuses_to_remove_a_unit_that_still_has_staff() -> None:
    without_g2 = [d for d in drafts() if d.code != G2]
    _, issues = validate_import(without_g2, units(), replace=True, staffed_codes=[G2])
    assert {i.problem for i in issues} == {"removed-unit-has-staff", "gap"}
