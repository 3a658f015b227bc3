"""Rejection (回退), recusal (回避) and escalation through the routing HTTP API."""

from __future__ import annotations

import pytest

from tests.integration.routing.cases import (
    active,
    assigned_events,
    decisions,
    inside,
    keyed,
    load_of,
    submit,
)
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

GRID = "451102002003005"
COMMUNITY = "451102002003"
STREET = "451102002"


async def test_rejection_reroutes_without_the_rejecting_handler(world: RoutingWorld) -> None:
    case_id = await submit(world, kind="dispute", category="物业管理", point=inside(world, GRID))
    first = await active(world, case_id)
    rejecting = first["assignee_id"]
    assert await load_of(world, rejecting) == 1

    routing = world.stack.client("routing", "admin")
    response = await routing.post(
        f"/cases/{case_id}/routing/rejection",
        json={"staff_id": rejecting, "reason": "非本人分管事项"},
        headers=keyed(),
    )
    assert response.status_code == 201, response.text

    history = await decisions(world, case_id)
    assert [d["active"] for d in history] == [False, True]
    second = history[1]
    assert second["trigger"] == "rejected"
    assert second["supersedes"] == first["assignment_id"]
    assert second["assignee_id"] not in (None, rejecting)
    assert second["assignee_id"].startswith(f"md-{COMMUNITY}-")
    reasons = {c["staff_id"]: c["reason"] for c in second["explanation"]["candidates"]}
    assert "回退" in reasons[rejecting]
    assert await load_of(world, rejecting) == 0
    assert await load_of(world, second["assignee_id"]) == 1
    events = await assigned_events(world, case_id)
    assert [e["trigger"] for e in events] == ["submitted", "rejected"]
    assert events[1]["supersedes_assignment_id"] == first["assignment_id"]


async def test_only_the_current_handler_may_reject(world: RoutingWorld) -> None:
    case_id = await submit(world, point=inside(world, GRID))
    response = await world.stack.client("routing", "admin").post(
        f"/cases/{case_id}/routing/rejection",
        json={"staff_id": "go-nobody", "reason": "x"},
        headers=keyed(),
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert len(await decisions(world, case_id)) == 1


async def test_recusal_replaces_the_objected_mediator_and_stays_excluded(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world, kind="dispute", category="债权债务", point=inside(world, GRID))
    routing = world.stack.client("routing", "admin")
    objected: list[str] = []
    # Object to every mediator of the community committee in turn: each is replaced by
    # one not yet objected to, and once all are excluded the street committee takes over.
    committee = await world.stack.sql(
        "SELECT staff_id FROM routing.staff WHERE role = 'mediator' AND unit_code = $1",
        COMMUNITY,
    )
    for _ in committee:
        current = (await active(world, case_id))["assignee_id"]
        assert current not in objected
        objected.append(current)
        response = await routing.post(
            f"/cases/{case_id}/routing/recusal",
            json={"staff_id": current, "party": "被申请人", "reason": "与申请人系亲属"},
            headers=keyed(),
        )
        assert response.status_code == 201, response.text
    final = await active(world, case_id)
    assert final["trigger"] == "recusal"
    assert final["unit_code"] == STREET
    assert final["assignee_id"].startswith(f"md-{STREET}-")
    assert sorted(objected) == sorted(r["staff_id"] for r in committee)


async def test_escalation_moves_the_case_one_level_up_each_time(world: RoutingWorld) -> None:
    case_id = await submit(world, point=inside(world, GRID))
    routing = world.stack.client("routing", "admin")
    assert (await active(world, case_id))["unit_code"] == GRID
    response = await routing.post(
        f"/cases/{case_id}/routing/escalation", json={"reason": "超期未办结"}, headers=keyed()
    )
    assert response.status_code == 201, response.text
    # The level above a grid is its community: the community's centre (综治中心) takes it.
    community = await active(world, case_id)
    assert (community["trigger"], community["unit_code"]) == ("escalation", COMMUNITY)
    assert community["assignee_id"] == f"op-{COMMUNITY}-1"
    await routing.post(
        f"/cases/{case_id}/routing/escalation", json={"reason": "需街道协调"}, headers=keyed()
    )
    street = await active(world, case_id)
    assert street["unit_code"] == STREET
    assert street["assignee_id"].startswith(f"op-{STREET}-")
    await routing.post(
        f"/cases/{case_id}/routing/escalation", json={"reason": "仍未办结"}, headers=keyed()
    )
    district = await active(world, case_id)
    assert district["unit_code"] == "451102"
    refused = await routing.post(
        f"/cases/{case_id}/routing/escalation", json={"reason": "再上报"}, headers=keyed()
    )
    assert refused.status_code == 409
    # 首接负责: the grid officer who received it first stays on it (and carries it).
    assert district["co_handler_ids"] == [f"go-{GRID}"]
    assert await load_of(world, f"go-{GRID}") == 1
    assert await load_of(world, street["assignee_id"]) == 0
