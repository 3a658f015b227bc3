"""Rules, eligibility and fallbacks of a routing decision, on a hand-made tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.routing.domain.policy import DEFAULT_RULES, CaseFacts, parse_rules
from services.routing.domain.routing import BACKSTOP, POINT_IN_GRID, Decision, decide, locate
from services.routing.domain.spatial import AreaIndex
from services.routing.domain.staff import OffDuty, StaffMember, coverage
from tests.unit.routing.builders import C2, G1, G2, C, D, S, units

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
POLICY = parse_rules(DEFAULT_RULES, 1)
TREE = units()
INDEX = AreaIndex((u.code, u.level, u.boundary) for u in TREE.values() if u.boundary)


def person(sid: str, role: str, unit: str, **kw: object) -> StaffMember:
    return StaffMember(sid, sid, role, unit, **kw)  # type: ignore[arg-type]


STAFF = [
    person("go-1", "grid_officer", G1),
    person("go-2", "grid_officer", G2, open_cases=3),
    person("md-a", "mediator", C, open_cases=2),
    person("md-b", "mediator", C, open_cases=1),
    person("md-c", "mediator", C, open_cases=1, skills=("劳资纠纷",)),
    person("pc-1", "community_police", C, employment="full_time"),
    person("la-1", "legal_adviser", C),
    person("op-s", "centre_operator", S),
    person("op-d", "centre_operator", D),
]


def route(
    case: CaseFacts,
    point: tuple[float, float] | None = (0.5, 0.5),
    staff: list[StaffMember] | None = None,
    *,
    excluded: dict[str, str] | None = None,
    above: str | None = None,
) -> Decision:
    location = locate(INDEX, TREE, point=point, grid_code=None, district=D)
    assert location is not None
    match = POLICY.match(case)
    assert match is not None
    people = STAFF if staff is None else staff
    return decide(
        case, location, match, POLICY, TREE, people, at=NOW, excluded=excluded, above=above
    )


def report(category: str = "市容环境") -> CaseFacts:
    return CaseFacts("report", category)


def dispute(category: str = "婚姻家庭邻里", *signals: str, people: int | None = None) -> CaseFacts:
    return CaseFacts("dispute", category, signals, people)


def test_report_goes_to_the_grid_officer_of_the_point() -> None:
    d = route(report(), point=(1.5, 0.5))
    assert (d.rule_id, d.unit_code, d.assignee and d.assignee.staff_id) == (
        "urban-management",
        G2,
        "go-2",
    )
    assert d.location.located_by == POINT_IN_GRID


def test_dispute_goes_to_the_lowest_load_mediator_skill_breaking_ties() -> None:
    d = route(dispute("劳资纠纷"))
    assert d.unit_code == C
    assert d.assignee is not None and d.assignee.staff_id == "md-c"
    reasons = {v.staff.staff_id: v.reason for v in d.lead.verdicts}
    assert "same load" in reasons["md-b"] and "not skilled" in reasons["md-b"]
    assert "higher load" in reasons["md-a"]
    plain = route(dispute("婚姻家庭邻里"))
    assert plain.assignee is not None and plain.assignee.staff_id == "md-b"  # tie: lower id


def test_criminal_risk_puts_police_first_and_a_mediator_alongside() -> None:
    d = route(dispute("债权债务", "同归于尽"))
    assert d.rule_id == "criminal-risk"
    assert d.assignee is not None and d.assignee.staff_id == "pc-1"
    assert [p.chosen.staff_id for p in d.co_handlers if p.chosen] == ["md-b"]
    assert "group-dispute" not in d.also_matched
    assert "dispute" in d.also_matched


def test_ethnic_factor_goes_to_the_street_centre_and_informs_police() -> None:
    for case in (dispute("民族宗教"), dispute("土地山林水利权属", "涉及民族因素")):
        d = route(case)
        assert (d.rule_id, d.unit_code) == ("ethnic-factor", S)
        assert d.assignee is not None and d.assignee.staff_id == "op-s"
        assert [p.chosen.staff_id for p in d.informed if p.chosen] == ["pc-1"]


def test_group_dispute_threshold() -> None:
    assert route(dispute(people=49)).rule_id == "dispute"
    d = route(dispute(people=50))
    assert (d.rule_id, d.unit_code) == ("group-dispute", S)


def test_legal_question_goes_to_the_legal_adviser() -> None:
    d = route(report("法律咨询"))
    assert d.assignee is not None and d.assignee.staff_id == "la-1"


def test_off_duty_and_full_people_are_skipped_with_reasons() -> None:
    staff = [
        person(
            "go-1",
            "grid_officer",
            G1,
            off_duty=(OffDuty(NOW - timedelta(days=1), NOW + timedelta(days=1), "休假"),),
        ),
        person("go-1b", "grid_officer", G1, open_cases=5, capacity=5),
        person("go-1c", "grid_officer", G1, active=False),
        person("op-s", "centre_operator", S),
    ]
    d = route(report(), staff=staff)
    assert d.unit_code == S and d.assignee is not None and d.assignee.staff_id == "op-s"
    reasons = {v.staff.staff_id: v.reason for v in d.lead.verdicts}
    assert "off duty" in reasons["go-1"]
    assert "at capacity" in reasons["go-1b"]
    assert "inactive" in reasons["go-1c"]
    assert any("moving up" in s for s in d.lead.steps)


def test_an_off_duty_period_that_ended_does_not_count() -> None:
    past = OffDuty(NOW - timedelta(days=9), NOW - timedelta(days=2))
    d = route(report(), staff=[person("go-1", "grid_officer", G1, off_duty=(past,))])
    assert d.assignee is not None and d.assignee.staff_id == "go-1"


def test_fallback_climbs_grid_community_street_district() -> None:
    # No mediator at the community or street: the street centre would take it; without
    # one, the district centre does; without anyone, the district owns it unassigned.
    only_district = [person("op-d", "centre_operator", D)]
    d = route(dispute(), staff=only_district)
    assert (d.unit_code, d.assignee and d.assignee.staff_id) == (D, "op-d")
    nobody = route(dispute(), staff=[])
    assert nobody.assignee is None and nobody.unit_code == D
    street_mediator = [person("md-s", "mediator", S)]
    d = route(dispute(), staff=street_mediator)
    assert (d.unit_code, d.assignee and d.assignee.staff_id) == (S, "md-s")


def test_locality_backstop_for_points_outside_every_grid() -> None:
    in_community_without_grids = locate(INDEX, TREE, point=(3, 0.5), grid_code=None, district=D)
    assert in_community_without_grids is not None
    assert (in_community_without_grids.unit_code, in_community_without_grids.located_by) == (
        C2,
        BACKSTOP,
    )
    in_district_only = locate(INDEX, TREE, point=(8, 8), grid_code=None, district=D)
    assert in_district_only is not None and in_district_only.unit_code == D
    outside = locate(INDEX, TREE, point=(50, 50), grid_code=None, district=D)
    assert outside is not None and (outside.unit_code, outside.located_by) == (D, BACKSTOP)
    by_code = locate(INDEX, TREE, point=None, grid_code=G2, district=D)
    assert by_code is not None and by_code.unit_code == G2
    d = route(report(), point=(3, 0.5))
    assert d.unit_code == S  # no grid officer in 光明社区: the street centre


def test_excluded_people_are_not_chosen_again() -> None:
    d = route(dispute(), excluded={"md-b": "已回退 rejected the case: 不在辖区"})
    assert d.assignee is not None and d.assignee.staff_id == "md-c"
    reasons = {v.staff.staff_id: v.reason for v in d.lead.verdicts}
    assert reasons["md-b"].startswith("已回退")


def test_escalation_starts_above_the_current_unit() -> None:
    d = route(report(), above=G1)
    assert d.unit_code == S and d.assignee is not None and d.assignee.staff_id == "op-s"
    d = route(report(), above=S)
    assert d.unit_code == D


def test_coverage_report() -> None:
    report_ = coverage(TREE.values(), STAFF)
    assert report_.grids_without_officer == []
    assert [c["code"] for c in report_.communities_without_police] == [C2]
    assert [c["code"] for c in report_.communities_without_legal_adviser] == [C2]
    assert [c["code"] for c in report_.small_committees] == [C2]
    assert not report_.complete
    part_time = [*STAFF[:5], person("pc-1", "community_police", C, employment="part_time")]
    flagged = coverage(TREE.values(), part_time).urban_communities_without_full_time_police
    assert [c["code"] for c in flagged] == [C]
