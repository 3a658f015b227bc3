"""Sessions today in "my work" (issue 13 item 2): a mediator agrees a session with the
parties for later today through the case page's form (约定调解时间、地点) and finds it
in "my work" under today, with its time; a new case's line says 待受理 once, not as
both the action and the state."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from services.mediation.domain.agenda import LOCAL_TIME
from services.routing.adapters.demo import COMMUNITY
from tests.e2e.dashboard.conftest import WebStack, screenshot, sign_in
from tests.e2e.dashboard.test_case_work import _dispute, _open, _submit

pytestmark = pytest.mark.integration

POINT = 70  # no other test files a case at this demo point


async def _later_today() -> datetime:
    """A start a few minutes ahead, still today in China (waits out midnight)."""
    while True:
        now = datetime.now(UTC)
        start = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
        if start.astimezone(LOCAL_TIME).date() == now.astimezone(LOCAL_TIME).date():
            return start
        await asyncio.sleep(30)


async def _accept(web: WebStack, case_id: str) -> None:
    """Acceptance through the JSON API (this test is about what follows)."""
    headers = web.stack.headers("mediator", "med-1", (COMMUNITY,))
    response = await web.stack.client("mediation").post(
        f"/cases/{case_id}/acceptance",
        json={
            "came_in": "application",
            "parties": [{"role": "申请人", "name": "张三"}, {"role": "被申请人", "name": "李四"}],
            "summary": "相邻通行纠纷",
            "rules_explained": True,
            "applies_voluntarily": True,
        },
        headers={**headers, "Idempotency-Key": f"accept-{case_id}"},
    )
    assert response.status_code == 201, response.text


async def test_a_mediator_schedules_a_session_today_and_finds_it_in_my_work(
    web: WebStack, page: Page
) -> None:
    case_id = await _dispute(web, POINT)
    await sign_in(page, "mediator")
    await page.goto("/my-work")
    # A new case: "to accept" and "awaiting acceptance" are both 待受理; it shows once.
    item = page.locator(f"#work-{case_id}")
    await expect(item.locator(".action")).to_have_text("待受理")
    await expect(item.locator(".state")).to_have_count(0)
    assert (await item.inner_text()).count("待受理") == 1

    await _accept(web, case_id)
    await page.goto(f"/case/{case_id}")
    await expect(page.locator("#case-state")).to_have_text("调解中")
    start = await _later_today()
    local = start.astimezone(LOCAL_TIME)
    form = await _open(page, "session-schedule")
    await form.locator("#f-session-schedule-starts_at").fill(local.strftime("%Y-%m-%dT%H:%M"))
    await form.locator("#f-session-schedule-place").fill("东融社区人民调解室")
    await form.locator("#f-session-schedule-note").fill("请双方携带相关材料")
    await _submit(page, "session-schedule", 1)
    shown = local.strftime("%Y-%m-%d %H:%M")
    await expect(page.locator("#next-session")).to_contain_text(shown)
    await expect(page.locator("#next-session")).to_contain_text("东融社区人民调解室")
    await expect(page.locator('#timeline li[data-step="session-scheduled"]')).to_contain_text(
        f"约定调解：{shown}"
    )

    await page.goto("/my-work")
    today = page.locator("section.bucket-today")
    await expect(today.locator("h2")).to_contain_text("今天")
    scheduled = today.locator(f"#work-{case_id}")
    await expect(scheduled.locator(".action")).to_have_text("调解会")
    await expect(scheduled.locator(".due")).to_have_text(f"开始时间 {shown}")
    await expect(scheduled.locator(".state")).to_have_text("调解中")
    await screenshot(page, "my-work-session-today")
