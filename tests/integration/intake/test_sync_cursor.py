"""The phone's incremental sync never misses a change, even one whose transaction
commits after a later one was read (commit order is not the order changes began)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.intake.service_layer import handlers
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import read_payload
from tests.harness import Stack
from tests.integration.case_events import assigned as assigned_event
from tests.integration.intake.helpers import IN_GRID_2, officer_headers, report

pytestmark = pytest.mark.integration


def _assigned(case_id: str, assignee_id: str) -> CaseAssignedV1:
    return read_payload(CaseAssignedV1, assigned_event(case_id, assignee_id))


def _far(i: int) -> dict[str, float]:
    return {"lng": IN_GRID_2["lng"] - 0.004 + 0.003 * i, "lat": IN_GRID_2["lat"]}


async def _all(
    intake: httpx.AsyncClient, path: str, since: int, headers: dict[str, str]
) -> dict[str, Any]:
    response = await intake.get(path, params={"since": since}, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_todo_sync_never_misses_a_change_that_commits_out_of_order(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    me = officer_headers(stack, "go-002")
    first, second = [
        (await intake.post("/mobile/v1/reports", json=report(location=_far(i)), headers=me)).json()
        for i in range(2)
    ]
    cursor = (await _all(intake, "/mobile/v1/todo", 0, me))["next_since"]
    runtime = stack.runtime("intake")
    async with runtime.uow() as slow:
        # This assignment's transaction starts first and commits last.
        await handlers.apply_cases_assigned(slow, [_assigned(first["case_id"], "go-002")])
        async with runtime.uow() as quick:
            await handlers.apply_cases_assigned(quick, [_assigned(second["case_id"], "go-002")])
            await quick.commit()
        page = await _all(intake, "/mobile/v1/todo", cursor, me)
        seen = {i["case_id"] for i in page["items"]}
        cursor = page["next_since"]
        await slow.commit()
    page = await _all(intake, "/mobile/v1/todo", cursor, me)
    seen |= {i["case_id"] for i in page["items"]}
    assert seen == {first["case_id"], second["case_id"]}


async def test_diary_sync_never_misses_an_entry_that_commits_out_of_order(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    me = officer_headers(stack, "go-002")
    cursor = (await _all(intake, "/mobile/v1/diary", 0, me))["next_since"]
    runtime = stack.runtime("intake")
    slow_id = str(uuid.uuid4())
    async with runtime.uow() as slow:
        # A raw insert, as any writer of the table: the change columns are its defaults.
        await slow.connection.exec_driver_sql(
            "INSERT INTO intake.diary_entries (entry_id, staff_id, content, occurred_on) "
            "VALUES ($1, 'go-002', '慢', '2026-11-20')",
            (slow_id,),
        )
        quick = await intake.post(
            "/mobile/v1/diary", json={"content": "快", "occurred_on": "2026-11-21"}, headers=me
        )
        assert quick.status_code == 201
        page = await _all(intake, "/mobile/v1/diary", cursor, me)
        seen = {i["entry_id"] for i in page["items"]}
        cursor = page["next_since"]
        await slow.commit()
    page = await _all(intake, "/mobile/v1/diary", cursor, me)
    seen |= {i["entry_id"] for i in page["items"]}
    assert seen == {slow_id, quick.json()["entry_id"]}


async def test_a_page_cut_by_the_limit_loses_nothing(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    me = officer_headers(stack, "go-002")
    created = [
        (await intake.post("/mobile/v1/reports", json=report(location=_far(i)), headers=me)).json()
        for i in range(3)
    ]
    # One transaction changes all three: a page of two must not split it and lose one.
    async with stack.runtime("intake").uow() as uow:
        await handlers.apply_cases_assigned(
            uow, [_assigned(c["case_id"], "go-002") for c in created]
        )
        await uow.commit()
    seen: list[str] = []
    since = 0
    for _ in range(5):
        response = await intake.get(
            "/mobile/v1/done", params={"since": since, "limit": 2}, headers=me
        )
        page = response.json()
        seen += [i["case_id"] for i in page["items"]]
        if page["next_since"] == since:
            break
        since = page["next_since"]
    assert sorted(set(seen)) == sorted(c["case_id"] for c in created)
