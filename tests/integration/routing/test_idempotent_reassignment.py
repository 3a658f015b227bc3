"""The reassignment routes (回退, 回避, 上报, 交办) take an Idempotency-Key: a retry (a grid
officer's phone that got no answer) is answered with the first answer and moves
nothing; the same key with another request is refused; no key, no reassignment.
The key, the move and its ``case.assigned`` commit in one transaction."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.routing.bootstrap import build_runtime
from services.routing.service_layer.idempotent import IDEMPOTENCY_TTL, purge_keys
from tests.integration.routing.cases import (
    active,
    assigned_events,
    decisions,
    inside,
    keyed,
    submit,
)
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

GRID = "451102002003005"
COMMUNITY = "451102002003"
STREET = "451102002"
OFFICER = f"go-{GRID}"
ESCALATE = "/cases/{}/routing/escalation"


def officer(world: RoutingWorld) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """The grid officer holding the demo grid's cases, on their phone."""
    return world.stack.client("routing"), world.stack.headers("grid_officer", OFFICER, (GRID,))


async def keys_of(world: RoutingWorld) -> list[dict[str, Any]]:
    rows = await world.stack.sql(
        "SELECT caller, key, status, body FROM routing.idempotency_keys ORDER BY created_at"
    )
    return [dict(r) for r in rows]


async def test_a_retried_escalation_moves_the_case_once(world: RoutingWorld) -> None:
    """The retry finds the case at the community, where the officer still holds it
    (首接负责): without the key it would move it up again, to the street."""
    case_id = await submit(world, point=inside(world, GRID))
    routing, headers = officer(world)
    sent = {**headers, "Idempotency-Key": "phone-retry-1"}
    first = await routing.post(
        ESCALATE.format(case_id), json={"reason": "网格无法处置"}, headers=sent
    )
    assert first.status_code == 201, first.text
    assert "Idempotency-Replayed" not in first.headers
    retry = await routing.post(
        ESCALATE.format(case_id), json={"reason": "网格无法处置"}, headers=sent
    )
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert retry.json() == first.json()
    assert first.json()["case_id"] == case_id

    history = await decisions(world, case_id)
    assert [d["trigger"] for d in history] == ["submitted", "escalation"]
    assert (await active(world, case_id))["unit_code"] == COMMUNITY
    assert first.json()["assignment_id"] == history[1]["assignment_id"]
    # One case.assigned for the move, in the outbox with it.
    assert [e["trigger"] for e in await assigned_events(world, case_id)] == [
        "submitted",
        "escalation",
    ]
    [stored] = await keys_of(world)
    assert (stored["caller"], stored["key"], stored["status"]) == (
        f"grid_officer:{OFFICER}",
        "phone-retry-1",
        201,
    )


async def test_every_reassignment_route_answers_a_retry_without_moving_again(
    world: RoutingWorld,
) -> None:
    """回退, 回避 and 交办 as 上报 above: a retry replays, nothing is routed twice."""
    admin = world.stack.client("routing", "admin")
    dispute = await submit(world, kind="dispute", category="物业管理", point=inside(world, GRID))
    report = await submit(world, point=inside(world, GRID))
    group = await submit(
        world, kind="dispute", category="征地拆迁", people_involved=60, point=inside(world, GRID)
    )
    mediator = (await active(world, dispute))["assignee_id"]
    holder = (await active(world, report))["assignee_id"]
    requests: list[tuple[str, str, dict[str, str]]] = [
        (dispute, "recusal", {"staff_id": mediator, "party": "申请人", "reason": "系亲属"}),
        (report, "rejection", {"staff_id": holder, "reason": "非本网格事项"}),
        (group, "hand-down", {"to_unit_code": COMMUNITY, "reason": "交社区就地化解"}),
    ]
    for case_id, route, body in requests:
        headers = keyed()
        answers = [
            await admin.post(f"/cases/{case_id}/routing/{route}", json=body, headers=headers)
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [201, 201], answers[0].text
        assert answers[1].headers["Idempotency-Replayed"] == "true"
        assert answers[1].json() == answers[0].json()
        assert len(await decisions(world, case_id)) == 2, route
        assert len(await assigned_events(world, case_id)) == 2, route


async def test_the_same_key_with_another_request_is_refused(world: RoutingWorld) -> None:
    case_id = await submit(world, point=inside(world, GRID))
    other_case = await submit(world, point=inside(world, GRID))
    routing, headers = officer(world)
    sent = {**headers, "Idempotency-Key": "reused-key", "Accept-Language": "en"}
    first = await routing.post(
        ESCALATE.format(case_id), json={"reason": "网格无法处置"}, headers=sent
    )
    assert first.status_code == 201, first.text
    for path, body in (
        (ESCALATE.format(case_id), {"reason": "另一个理由"}),  # another body
        (ESCALATE.format(other_case), {"reason": "网格无法处置"}),  # another case
    ):
        refused = await routing.post(path, json=body, headers=sent)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["type"] == "https://gridcase.cn/problems/idempotency-key-reused"
        assert problem["title"] == "Idempotency-Key reused with a different request"
        assert [e["pointer"] for e in problem["errors"]] == ["#/header/Idempotency-Key"]
    zh = await routing.post(
        ESCALATE.format(case_id),
        json={"reason": "另一个理由"},
        headers={**headers, "Idempotency-Key": "reused-key"},
    )
    assert zh.json()["title"] == "Idempotency-Key 已用于其他请求"
    assert [d["trigger"] for d in await decisions(world, case_id)] == ["submitted", "escalation"]
    assert len(await decisions(world, other_case)) == 1


async def test_a_reassignment_without_a_key_is_refused_field_by_field(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world, point=inside(world, GRID))
    admin = world.stack.client("routing", "admin")
    bodies = {
        "rejection": {"staff_id": OFFICER, "reason": "x"},
        "recusal": {"staff_id": OFFICER, "reason": "x"},
        "escalation": {"reason": "x"},
        "hand-down": {"to_unit_code": GRID, "reason": "x"},
    }
    for route, body in bodies.items():
        for key, code in ((None, "missing"), ("  ", "missing"), ("k" * 201, "too-long")):
            headers = {"Accept-Language": "en"} | ({"Idempotency-Key": key} if key else {})
            response = await admin.post(
                f"/cases/{case_id}/routing/{route}", json=body, headers=headers
            )
            assert response.status_code == 400, (route, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert problem["type"] == "https://gridcase.cn/problems/idempotency-key-required"
            assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
                ("#/header/Idempotency-Key", code)
            ]
    chinese = await admin.post(f"/cases/{case_id}/routing/escalation", json={"reason": "x"})
    assert chinese.json()["errors"][0]["detail"] == "此字段为必填项。"
    assert len(await decisions(world, case_id)) == 1
    assert await keys_of(world) == []


async def test_keys_are_per_caller(world: RoutingWorld) -> None:
    """The community's operator sending the same key, route and body as the officer did
    is another request: the case goes up once more, to the street."""
    case_id = await submit(world, point=inside(world, GRID))
    routing, headers = officer(world)
    body = {"reason": "需上级协调"}
    key = {"Idempotency-Key": "same-key"}
    first = await routing.post(ESCALATE.format(case_id), json=body, headers={**headers, **key})
    assert first.status_code == 201, first.text
    operator = world.stack.headers("community_operator", f"op-{COMMUNITY}-1", (COMMUNITY,))
    second = await routing.post(ESCALATE.format(case_id), json=body, headers={**operator, **key})
    assert second.status_code == 201, second.text
    assert "Idempotency-Replayed" not in second.headers
    assert second.json()["assignment_id"] != first.json()["assignment_id"]
    assert (await active(world, case_id))["unit_code"] == STREET
    assert len(await keys_of(world)) == 2


async def test_two_concurrent_requests_with_one_key_move_the_case_once(
    world: RoutingWorld,
) -> None:
    """The phone's retry arrives while the first try is still running: the second waits
    for the first's transaction and answers what it stored."""
    case_id = await submit(world, point=inside(world, GRID))
    routing, headers = officer(world)
    sent = {**headers, "Idempotency-Key": "concurrent-key"}
    answers = await asyncio.gather(
        *(
            routing.post(ESCALATE.format(case_id), json={"reason": "网格无法处置"}, headers=sent)
            for _ in range(2)
        )
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert sorted(a.headers.get("Idempotency-Replayed", "") for a in answers) == ["", "true"]
    assert answers[0].json() == answers[1].json()
    assert [d["trigger"] for d in await decisions(world, case_id)] == ["submitted", "escalation"]
    assert len(await assigned_events(world, case_id)) == 2


async def test_old_keys_are_purged_and_fresh_ones_kept(world: RoutingWorld) -> None:
    routing, headers = officer(world)
    old_case = await submit(world, point=inside(world, GRID))
    new_case = await submit(world, point=inside(world, GRID))
    for case_id, key in ((old_case, "old"), (new_case, "new")):
        response = await routing.post(
            ESCALATE.format(case_id),
            json={"reason": "x"},
            headers={**headers, "Idempotency-Key": key},
        )
        assert response.status_code == 201, response.text
    await world.stack.sql(
        "UPDATE routing.idempotency_keys SET created_at = now() - $1::interval WHERE key = 'old'",
        IDEMPOTENCY_TTL + IDEMPOTENCY_TTL / 96,
    )
    async with world.runtime.uow() as uow:
        assert await purge_keys(uow) == 1
    assert [k["key"] for k in await keys_of(world)] == ["new"]
    # Run hourly by every routing process.
    assert "purge-idempotency-keys" in [
        t.name for t in build_runtime(world.stack.settings).periodic
    ]
