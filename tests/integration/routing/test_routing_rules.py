"""Each default rule and each fallback, decided against the demo district in PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.routing.cases import (
    active,
    assigned_events,
    decisions,
    inside,
    load_of,
    submit,
    submit_together,
    submitted,
)
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

URBAN_GRID = "451102001001003"  # 八步街道, first community, third grid
URBAN_COMMUNITY = "451102001001"
STREET = "451102001"
RURAL_GRID = "451102006002004"  # 黄洞瑶族乡, a village grid
RURAL_COMMUNITY = "451102006002"


async def test_urban_management_report_goes_to_the_grid_officer(world: RoutingWorld) -> None:
    case_id = await submit(world, point=inside(world, URBAN_GRID))
    decision = await active(world, case_id)
    assert decision["rule"] == "urban-management"
    assert decision["unit_code"] == URBAN_GRID
    assert decision["assignee_id"] == f"go-{URBAN_GRID}"
    assert decision["explanation"]["located_by"] == "point-in-grid"
    [candidate] = decision["explanation"]["candidates"]
    assert candidate["chosen"] and "负荷最低" in candidate["reason"]
    assert await load_of(world, f"go-{URBAN_GRID}") == 1
    [event] = await assigned_events(world, case_id)
    assert event["assignee_id"] == f"go-{URBAN_GRID}"
    assert event["candidates"][0]["staff_id"] == f"go-{URBAN_GRID}"
    assert event["policy_version"] == 1


async def test_dispute_goes_to_a_mediator_of_the_community_committee(
    world: RoutingWorld,
) -> None:
    first = await submit(
        world, kind="dispute", category="婚姻家庭邻里", point=inside(world, URBAN_GRID)
    )
    second = await submit(
        world, kind="dispute", category="婚姻家庭邻里", point=inside(world, URBAN_GRID)
    )
    a, b = await active(world, first), await active(world, second)
    assert a["rule"] == b["rule"] == "dispute"
    assert a["unit_code"] == b["unit_code"] == URBAN_COMMUNITY
    assert a["assignee_id"].startswith(f"md-{URBAN_COMMUNITY}-")
    # Lowest load: the second dispute goes to a colleague, not the one just loaded.
    assert a["assignee_id"] != b["assignee_id"]
    members = {c["staff_id"] for c in b["explanation"]["candidates"]}
    assert len(members) >= 3  # the whole committee was considered


async def test_criminal_risk_goes_to_police_at_once_with_the_mediator(
    world: RoutingWorld,
) -> None:
    case_id = await submit(
        world,
        kind="dispute",
        category="债权债务",
        point=inside(world, URBAN_GRID),
        risk_signals=["扬言报复"],
    )
    decision = await active(world, case_id)
    assert decision["rule"] == "criminal-risk"
    assert decision["assignee_id"] == f"pc-{URBAN_COMMUNITY}"
    [co] = decision["explanation"]["co_handlers"]
    assert co["chosen"].startswith(f"md-{URBAN_COMMUNITY}-")
    assert decision["co_handler_ids"] == [co["chosen"]]
    assert await load_of(world, co["chosen"]) == 1
    [event] = await assigned_events(world, case_id)
    assert [(p["staff_id"], p["involvement"]) for p in event["participants"]] == [
        (co["chosen"], "co_handler")
    ]


async def test_ethnic_factor_goes_to_the_street_centre_with_police_informed(
    world: RoutingWorld,
) -> None:
    case_id = await submit(
        world, kind="dispute", category="民族宗教", point=inside(world, RURAL_GRID)
    )
    decision = await active(world, case_id)
    assert decision["rule"] == "ethnic-factor"
    assert decision["unit_code"] == "451102006"
    assert decision["assignee_id"].startswith("op-451102006-")
    [informed] = decision["explanation"]["informed"]
    assert informed["chosen"] == f"pc-{RURAL_COMMUNITY}"
    assert await load_of(world, f"pc-{RURAL_COMMUNITY}") == 0  # told, not loaded
    [event] = await assigned_events(world, case_id)
    assert event["also_notified"] == [f"pc-{RURAL_COMMUNITY}"]


async def test_group_dispute_over_the_threshold_goes_to_the_street_centre(
    world: RoutingWorld,
) -> None:
    small = await submit(
        world,
        kind="dispute",
        category="劳资纠纷",
        point=inside(world, URBAN_GRID),
        people_involved=49,
    )
    large = await submit(
        world,
        kind="dispute",
        category="劳资纠纷",
        point=inside(world, URBAN_GRID),
        people_involved=50,
    )
    assert (await active(world, small))["rule"] == "dispute"
    decision = await active(world, large)
    assert decision["rule"] == "group-dispute"
    assert decision["unit_code"] == STREET
    assert decision["assignee_id"].startswith(f"op-{STREET}-")


async def test_legal_question_goes_to_the_community_legal_adviser(world: RoutingWorld) -> None:
    case_id = await submit(
        world, kind="report", category="协议审查", point=inside(world, RURAL_GRID)
    )
    decision = await active(world, case_id)
    assert decision["rule"] == "legal-question"
    assert decision["assignee_id"] == f"la-{RURAL_COMMUNITY}"


async def test_no_eligible_grid_officer_falls_back_up_to_the_street_centre(
    world: RoutingWorld,
) -> None:
    await world.stack.sql(
        "UPDATE routing.staff SET open_cases = capacity WHERE staff_id = $1", f"go-{URBAN_GRID}"
    )
    case_id = await submit(world, point=inside(world, URBAN_GRID))
    decision = await active(world, case_id)
    assert decision["unit_code"] == STREET
    assert decision["assignee_id"].startswith(f"op-{STREET}-")
    reasons = {c["staff_id"]: c["reason"] for c in decision["explanation"]["candidates"]}
    assert "已满负荷" in reasons[f"go-{URBAN_GRID}"]
    assert any("上移" in step for step in decision["explanation"]["steps"])


async def test_point_outside_every_grid_is_owned_by_the_district_centre(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world, point=(112.5, 25.5))
    decision = await active(world, case_id)
    assert decision["explanation"]["located_by"].endswith("属地兜底")
    assert decision["unit_code"] == "451102"
    assert decision["assignee_id"].startswith("op-451102-")


async def test_reported_grid_code_is_used_when_there_is_no_point(world: RoutingWorld) -> None:
    case_id = await submit(world, grid_code=RURAL_GRID)
    decision = await active(world, case_id)
    assert decision["explanation"]["located_by"] == "grid-code"
    assert decision["assignee_id"] == f"go-{RURAL_GRID}"


async def test_a_replayed_submission_is_routed_once(world: RoutingWorld) -> None:
    case_id = await submit(world, point=inside(world, URBAN_GRID))
    await submit(world, point=inside(world, URBAN_GRID), case_id=case_id)
    assert len(await decisions(world, case_id)) == 1
    assert await load_of(world, f"go-{URBAN_GRID}") == 1


async def test_a_batch_sees_the_loads_its_earlier_decisions_added(world: RoutingWorld) -> None:
    """Four cases routed in one transaction: the grid officer takes the two places left,
    then the street centre the rest, exactly as one after another."""
    officer = f"go-{URBAN_GRID}"
    await world.stack.sql(
        "UPDATE routing.staff SET open_cases = capacity - 2 WHERE staff_id = $1", officer
    )
    events = [submitted(point=inside(world, URBAN_GRID)) for _ in range(4)]
    await submit_together(world, events)
    chosen = [(await active(world, str(e.data["case_id"])))["assignee_id"] for e in events]
    assert chosen[:2] == [officer, officer]
    assert all(c.startswith(f"op-{STREET}-") for c in chosen[2:])
    [row] = await world.stack.sql(
        "SELECT open_cases, capacity FROM routing.staff WHERE staff_id = $1", officer
    )
    assert row["open_cases"] == row["capacity"]
    # Every load equals the active assignments that name its holder.
    mismatched = await world.stack.sql(
        """
        SELECT s.staff_id FROM routing.staff s
        LEFT JOIN (
            SELECT staff_id, count(*) AS n FROM (
                SELECT assignee_id AS staff_id FROM routing.assignments WHERE active
                UNION ALL
                SELECT unnest(co_handler_ids) FROM routing.assignments WHERE active
            ) named GROUP BY staff_id
        ) a USING (staff_id)
        WHERE s.staff_id <> $1 AND s.open_cases <> coalesce(a.n, 0)
        """,
        officer,
    )
    assert mismatched == []


async def test_a_batch_with_a_replay_routes_each_case_once(world: RoutingWorld) -> None:
    first = submitted(point=inside(world, URBAN_GRID))
    await submit_together(world, [first])
    again = submitted(point=inside(world, URBAN_GRID), case_id=str(first.data["case_id"]))
    other = submitted(point=inside(world, URBAN_GRID))
    await submit_together(world, [again, other])
    assert len(await decisions(world, str(first.data["case_id"]))) == 1
    assert len(await decisions(world, str(other.data["case_id"]))) == 1
    assert await load_of(world, f"go-{URBAN_GRID}") == 2
