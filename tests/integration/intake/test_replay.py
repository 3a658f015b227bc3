"""Idempotency keys, offline batch replay, duplicates, to-do lists and durability."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.intake.bootstrap import build_app, build_runtime
from services.intake.service_layer import handlers
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import read_payload
from tests.harness import Stack, eventually
from tests.integration.case_events import assigned as assigned_event
from tests.integration.intake.helpers import (
    IN_GRID_2,
    assign,
    count,
    officer_headers,
    report,
    seed_mirror,
)

pytestmark = pytest.mark.integration


async def test_same_key_same_body_replays_the_first_answer(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "k-1"}
    first = await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    # Key order and spacing do not make a different request.
    again = await intake.post(
        "/mobile/v1/reports",
        content=httpx.Request("POST", "/", json=dict(reversed(list(report().items())))).content,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotency-replayed"] == "true"
    assert await count(stack) == 1 and await count(stack, "outbox") == 1


async def test_same_key_other_body_is_refused(stack: Stack, intake: httpx.AsyncClient) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "k-2"}
    assert (
        await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    ).status_code == 201
    other = await intake.post("/mobile/v1/reports", json=report(title="另一件事"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    assert await count(stack) == 1


async def test_concurrent_requests_with_one_key_store_once(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "k-3"}
    responses = await asyncio.gather(
        *[intake.post("/mobile/v1/reports", json=report(), headers=headers) for _ in range(8)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert await count(stack) == 1


async def test_a_refused_request_leaves_its_key_free(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "k-4"}
    bad = await intake.post("/mobile/v1/reports", json=report(category="外星人"), headers=headers)
    assert bad.status_code == 422
    good = await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    assert good.status_code == 201
    [row] = await stack.sql("SELECT status_code FROM intake.idempotency_keys")
    assert row["status_code"] == 201


async def test_offline_batch_can_be_replayed_whole_or_in_part(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = officer_headers(stack)
    items = [
        {"client_id": "phone-1", "type": "submission", "body": report(title="垃圾一")},
        {
            "client_id": "phone-2",
            "type": "submission",
            "body": report(title="施工扰民", category="施工管理", subcategory="施工扰民"),
        },
        {"client_id": "phone-3", "type": "submission", "body": report(category="外星人")},
        {
            "client_id": "phone-4",
            "type": "diary",
            "body": {"content": "走访", "occurred_on": "2026-11-21"},
        },
        {"client_id": "phone-5", "type": "submission", "body": {"title": 5}},
    ]
    first = await intake.post("/mobile/v1/sync", json={"items": items}, headers=headers)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["client_id"] for r in results] == [i["client_id"] for i in items]
    assert [r["status"] for r in results] == [201, 201, 422, 201, 422]
    assert results[2]["problem"]["errors"][0]["pointer"] == "#/category"
    assert await count(stack) == 2 and await count(stack, "diary_entries") == 1

    whole = (await intake.post("/mobile/v1/sync", json={"items": items}, headers=headers)).json()[
        "results"
    ]
    assert [r["replayed"] for r in whole] == [True, True, False, True, False]
    assert whole[0]["result"] == results[0]["result"]
    part = (
        await intake.post("/mobile/v1/sync", json={"items": items[1:2]}, headers=headers)
    ).json()["results"]
    assert part[0]["replayed"] and part[0]["result"]["case_id"] == results[1]["result"]["case_id"]
    assert await count(stack) == 2 and await count(stack, "diary_entries") == 1

    changed = [{**items[0], "body": report(title="别的内容")}]
    conflict = (
        await intake.post("/mobile/v1/sync", json={"items": changed}, headers=headers)
    ).json()["results"]
    assert conflict[0]["status"] == 422


async def test_online_send_then_queued_replay_is_stored_once(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = officer_headers(stack)
    online = await intake.post(
        "/mobile/v1/reports", json=report(), headers={**headers, "Idempotency-Key": "phone-9"}
    )
    queued = await intake.post(
        "/mobile/v1/sync",
        json={"items": [{"client_id": "phone-9", "type": "submission", "body": report()}]},
        headers=headers,
    )
    [result] = queued.json()["results"]
    assert result["replayed"] and result["result"]["case_id"] == online.json()["case_id"]
    assert await count(stack) == 1


async def test_same_category_nearby_is_linked_to_the_open_case(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    first = await intake.post("/reports", json=report())
    near = {"lng": IN_GRID_2["lng"] + 0.0003, "lat": IN_GRID_2["lat"]}  # about 30 m east
    second = await intake.post(
        "/public/reports", json=report(location=near, contact={"phone": "13712345678"})
    )
    assert first.status_code == 201 and second.status_code == 200, second.text
    linked = second.json()
    assert linked["outcome"] == "linked" and linked["case_id"] == first.json()["case_id"]
    assert 20 < linked["distance_m"] < 40
    # Both reporters see the link.
    view = (await intake.get(f"/reports/{first.json()['case_id']}")).json()
    assert view["linked_reports"] == [linked["report_number"]]
    tracked = (await intake.get(f"/public/track/{linked['tracking_token']}")).json()
    assert tracked["linked_to"]["case_number"] == first.json()["case_number"]
    types = [r["type"] for r in await stack.sql("SELECT type FROM intake.outbox ORDER BY id")]
    assert types == ["cn.gridcase.case.submitted.v1", "cn.gridcase.case.report-linked.v1"]

    far = {"lng": IN_GRID_2["lng"] + 0.003, "lat": IN_GRID_2["lat"]}  # about 300 m
    assert (await intake.post("/reports", json=report(location=far))).status_code == 201
    other_kind = report(category="街面秩序", subcategory="店外经营")
    assert (await intake.post("/reports", json=other_kind)).status_code == 201


async def test_todo_done_and_the_since_cursor(stack: Stack, intake: httpx.AsyncClient) -> None:
    me, other = officer_headers(stack, "go-002"), officer_headers(stack, "go-003")
    mine = (await intake.post("/mobile/v1/reports", json=report(), headers=me)).json()
    await assign(stack, mine["case_id"], "go-002")
    todo = (await intake.get("/mobile/v1/todo", headers=me)).json()
    assert [i["case_id"] for i in todo["items"]] == [mine["case_id"]]
    done = (await intake.get("/mobile/v1/done", headers=me)).json()
    assert [i["case_id"] for i in done["items"]] == [mine["case_id"]]
    cursor = todo["next_since"]
    assert (await intake.get("/mobile/v1/todo", params={"since": cursor}, headers=me)).json()[
        "items"
    ] == []

    await assign(stack, mine["case_id"], "go-003")  # reassigned away from me
    delta = (await intake.get("/mobile/v1/todo", params={"since": cursor}, headers=me)).json()
    assert [(i["case_id"], i["in_list"]) for i in delta["items"]] == [(mine["case_id"], False)]
    assert delta["next_since"] > cursor
    theirs = (await intake.get("/mobile/v1/todo", headers=other)).json()["items"]
    assert [i["case_id"] for i in theirs] == [mine["case_id"]]


async def test_assignments_applied_together_keep_their_order(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    """A consumer batch's case.assigned events, applied in one statement, end as they
    would one by one: the last assignee holds the case, the one before is remembered."""
    created = (
        await intake.post("/mobile/v1/reports", json=report(), headers=officer_headers(stack))
    ).json()
    case_id = created["case_id"]
    async with stack.runtime("intake").uow() as uow:
        await handlers.apply_cases_assigned(
            uow,
            [
                read_payload(CaseAssignedV1, assigned_event(case_id, "go-002")),
                read_payload(CaseAssignedV1, assigned_event("not-intakes-case", "go-009")),
                read_payload(CaseAssignedV1, assigned_event(case_id, "go-003")),
            ],
        )
        await uow.commit()
    [row] = await stack.sql(
        "SELECT status, assignee_id, previous_assignee_id FROM intake.submissions"
    )
    assert dict(row) == {
        "status": "assigned",
        "assignee_id": "go-003",
        "previous_assignee_id": "go-002",
    }


async def test_registry_events_over_kafka_fill_the_mirror(stack: Stack) -> None:
    from shared.events import topics
    from shared.messaging.relay import build_producer
    from tests.integration.intake.helpers import as_event, registry_units

    await stack.start("intake", relay=False)
    producer = build_producer(stack.settings.kafka_servers())
    await producer.start()
    try:
        for unit in registry_units():
            event = as_event(unit, unit.code)
            await producer.send_and_wait(
                stack.topics(topics.REGISTRY), value=event.to_json_bytes(), key=unit.code.encode()
            )
    finally:
        await producer.stop()

    async def mirrored() -> int:
        return await count(stack, "registry_units") == 7 and 7

    await eventually(mirrored)
    stack.runtime("intake").state.reference.invalidate()
    refused = await stack.client("intake", "district_operator").post(
        "/reports", json=report(location={"lng": 113.0, "lat": 23.0})
    )
    assert refused.status_code == 422


async def test_intake_accepts_with_kafka_unreachable_and_publishes_after_restart(
    stack: Stack,
) -> None:
    cut_off = build_runtime(
        stack.settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    )
    await cut_off.start(consumers=False)  # the relay keeps failing in the background
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(cut_off, manage_lifecycle=False)),
        base_url="http://intake",
        headers=stack.headers("district_operator"),
    )
    try:
        response = await asyncio.wait_for(client.post("/reports", json=report()), 5)
        assert response.status_code == 201
    finally:
        await client.aclose()
        await cut_off.stop()
    [row] = await stack.sql("SELECT sent_at FROM intake.outbox")
    assert row["sent_at"] is None

    await stack.start("intake", consumers=False)  # restarted, Kafka back

    async def published() -> bool:
        [r] = await stack.sql("SELECT sent_at FROM intake.outbox")
        return r["sent_at"] is not None

    assert await eventually(published)
    await seed_mirror(stack)  # keep the fixture's contract for later tests
