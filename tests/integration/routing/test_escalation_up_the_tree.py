"""上报 and 交办 through routing's HTTP API, and escalations escalation decides
(``case-escalated``) applied by routing's cycle handler: the receiving unit's person is
assigned, the first receiver stays on the case (首接负责, DOMAIN.md "Time limits and
supervision"), and only the case's handlers and the centres above may move it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.routing.service_layer import handlers
from shared.events.escalation import CaseEscalatedV1
from tests.integration.routing.cases import (
    active,
    assigned_events,
    decisions,
    inside,
    keyed,
    load_of,
)
from tests.integration.routing.cases import submit as submit_case
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

GRID = "451102002003005"
OTHER_GRID = "451102002003004"
COMMUNITY = "451102002003"
OTHER_COMMUNITY = "451102002002"
STREET = "451102002"
DISTRICT = "451102"


async def submit(world: RoutingWorld, **facts: Any) -> str:
    return await submit_case(world, point=inside(world, GRID), **facts)


def client(
    world: RoutingWorld, role: str, staff_id: str, unit: str
) -> tuple[httpx.AsyncClient, dict[str, str]]:
    return world.stack.client("routing"), world.stack.headers(role, staff_id, (unit,))


async def test_an_operator_escalating_a_case_is_never_its_receiver(world: RoutingWorld) -> None:
    """Issue 14: an escalation asked for by a street centre operator landed on that
    operator (the lowest load at the street, the search skipping the community's
    centre) instead of on the level above the case."""
    case_id = await submit(world)
    [first] = await world.stack.sql(
        "SELECT min(staff_id) AS id FROM routing.staff WHERE role = 'centre_operator' "
        "AND unit_code = $1",
        STREET,
    )
    asker = str(first["id"])
    routing, headers = client(world, "street_operator", asker, STREET)
    response = await routing.post(
        f"/cases/{case_id}/routing/escalation",
        json={"reason": "需街道协调"},
        headers=keyed(headers),
    )
    assert response.status_code == 201, response.text
    moved = await active(world, case_id)
    assert (moved["unit_code"], moved["assignee_id"]) == (COMMUNITY, f"op-{COMMUNITY}-1")
    assert await load_of(world, asker) == 0


async def test_the_community_centre_escalating_passes_the_case_to_the_street(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world)
    asker = f"op-{COMMUNITY}-1"  # the community's only operator
    routing, headers = client(world, "community_operator", asker, COMMUNITY)
    response = await routing.post(
        f"/cases/{case_id}/routing/escalation",
        json={"reason": "社区无法处置"},
        headers=keyed(headers),
    )
    assert response.status_code == 201, response.text
    moved = await active(world, case_id)
    assert moved["unit_code"] == STREET and moved["assignee_id"].startswith(f"op-{STREET}-")
    reasons = {c["staff_id"]: c["reason"] for c in moved["explanation"]["candidates"]}
    assert "提出上报者" in reasons[asker]


async def test_a_mediator_reports_a_dispute_up_and_stays_on_it(world: RoutingWorld) -> None:
    case_id = await submit(world, kind="dispute", category="物业管理")
    first = await active(world, case_id)
    mediator = first["assignee_id"]
    assert first["unit_code"] == COMMUNITY
    routing, headers = client(world, "mediator", mediator, COMMUNITY)
    response = await routing.post(
        f"/cases/{case_id}/routing/escalation",
        json={"reason": "涉及多个社区"},
        headers=keyed(headers),
    )
    assert response.status_code == 201, response.text
    up = await active(world, case_id)
    assert (up["trigger"], up["unit_code"]) == ("escalation", STREET)
    assert up["assignee_id"].startswith(f"md-{STREET}-")
    # 首接负责: the first receiver stays on the case, carries it and still sees it.
    assert up["co_handler_ids"] == [mediator]
    assert up["explanation"]["first_receiver"]["staff_id"] == mediator
    assert await load_of(world, mediator) == 1
    seen = await routing.get(f"/cases/{case_id}/routing", headers=headers)
    assert seen.status_code == 200, seen.text
    [event] = (await assigned_events(world, case_id))[1:]
    [kept] = [p for p in event["participants"] if p["staff_id"] == mediator]
    assert kept["involvement"] == "co_handler"
    assert event["trigger"] == "escalation" and event["trigger_reason"] == "涉及多个社区"


async def test_a_grid_officer_who_only_sees_the_case_may_not_escalate_it(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world)
    routing, headers = client(world, "grid_officer", "go-someone-else", GRID)
    response = await routing.post(
        f"/cases/{case_id}/routing/escalation", json={"reason": "x"}, headers=keyed(headers)
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-case-handler")
    assert len(await decisions(world, case_id)) == 1


async def test_a_centre_hands_a_case_down_and_the_first_receiver_stays(
    world: RoutingWorld,
) -> None:
    """交办: a group dispute goes to the street centre (≥ 50 people); the centre hands it
    to a community below, whose centre takes it; the street operator stays on it."""
    case_id = await submit(world, kind="dispute", category="征地拆迁", people_involved=60)
    first = await active(world, case_id)
    operator = first["assignee_id"]
    assert first["unit_code"] == STREET and operator.startswith(f"op-{STREET}-")
    routing, headers = client(world, "street_operator", "op-street-desk", STREET)
    response = await routing.post(
        f"/cases/{case_id}/routing/hand-down",
        json={"to_unit_code": COMMUNITY, "reason": "交社区调委会就地化解"},
        headers=keyed(headers),
    )
    assert response.status_code == 201, response.text
    down = await active(world, case_id)
    assert (down["trigger"], down["unit_code"]) == ("handed_down", COMMUNITY)
    assert down["assignee_id"] == f"op-{COMMUNITY}-1", down["explanation"]["steps"]
    assert down["co_handler_ids"] == [operator]
    events = await assigned_events(world, case_id)
    assert [e["trigger"] for e in events] == ["submitted", "handed_down"]


async def test_hand_down_refusals(world: RoutingWorld) -> None:
    case_id = await submit(world, kind="dispute", category="征地拆迁", people_involved=60)
    routing = world.stack.client("routing")
    body = {"to_unit_code": COMMUNITY, "reason": "交办"}
    # A grid officer is no centre: the route is not theirs at all.
    officer = world.stack.headers("grid_officer", f"go-{GRID}", (GRID,))
    response = await routing.post(
        f"/cases/{case_id}/routing/hand-down", json=body, headers=keyed(officer)
    )
    assert response.status_code == 403
    # A unit outside the caller's area.
    community_op = world.stack.headers("community_operator", "op-c", (OTHER_COMMUNITY,))
    response = await routing.post(
        f"/cases/{case_id}/routing/hand-down", json=body, headers=keyed(community_op)
    )
    assert response.status_code in (403, 404)
    # Up or sideways is not 交办.
    district_op = world.stack.headers("district_operator", "op-d", (DISTRICT,))
    for target in (STREET, "451102001001"):
        response = await routing.post(
            f"/cases/{case_id}/routing/hand-down",
            json={"to_unit_code": target, "reason": "x"},
            headers=keyed(district_op),
        )
        assert response.status_code == 409, (target, response.text)
        assert response.json()["type"].endswith("/reassignment-refused")
    # A malformed code, field by field.
    response = await routing.post(
        f"/cases/{case_id}/routing/hand-down",
        json={"to_unit_code": "45x", "reason": ""},
        headers=keyed(district_op),
    )
    assert response.status_code == 422
    assert len(await decisions(world, case_id)) == 1


def _escalated(case_id: str, from_unit: str, to_unit: str, receiver: str) -> CaseEscalatedV1:
    levels = {6: "district", 9: "street", 12: "community", 15: "grid"}
    return CaseEscalatedV1.model_validate(
        {
            "escalation_id": str(uuid.uuid4()),
            "case_id": case_id,
            "reason": "red_card",
            "from_unit_code": from_unit,
            "from_level": levels[len(from_unit)],
            "to_unit_code": to_unit,
            "to_level": levels[len(to_unit)],
            "first_receiver_id": receiver,
            "stage": "handle",
            "clock_id": str(uuid.uuid4()),
            "policy_version": 1,
            "escalated_at": datetime.now(UTC),
        }
    )


async def test_case_escalated_assigns_the_parent_once(world: RoutingWorld) -> None:
    case_id = await submit(world)
    officer = (await active(world, case_id))["assignee_id"]
    escalated = _escalated(case_id, GRID, COMMUNITY, officer)
    for _ in range(2):  # the second is a replay: the case is no longer at the grid
        async with world.runtime.uow() as uow:
            await handlers.apply_case_escalated(uow, world.cache, escalated)
            await uow.commit()
    history = await decisions(world, case_id)
    assert [d["trigger"] for d in history] == ["submitted", "escalation"]
    up = history[1]
    assert (up["unit_code"], up["assignee_id"]) == (COMMUNITY, f"op-{COMMUNITY}-1")
    assert up["co_handler_ids"] == [officer]
    assert up["explanation"]["escalation_id"] == escalated.escalation_id
    assert "红牌" in up["explanation"]["trigger_reason"]
    assert await load_of(world, officer) == 1


async def test_a_case_located_at_the_district_handed_down_to_a_grid_gets_its_officer(
    world: RoutingWorld,
) -> None:
    """A case with no place (属地兜底: the district centre) handed down to a grid is
    taken by that grid's officer: the search reads the people of the named unit's
    chain, not only of the case's own place."""
    case_id = await submit_case(world)
    assert (await active(world, case_id))["unit_code"] == DISTRICT
    response = await world.stack.client("routing", "admin").post(
        f"/cases/{case_id}/routing/hand-down",
        json={"to_unit_code": GRID, "reason": "交网格处置"},
        headers=keyed(),
    )
    assert response.status_code == 201, response.text
    down = await active(world, case_id)
    assert (down["unit_code"], down["assignee_id"]) == (GRID, f"go-{GRID}")
