"""Bulk actions on the case list, through the browser only (issue 13 item 3): a mediator
selects three cases, one of which (a situation report escalated to the community, 上报)
they may see but not work, and adds a note (备注) — two done, one refused with the
reason in Chinese; then hands two disputes over within the committee (委员会内转交) and
the list shows the new handler once routing applies it. axe-core finds nothing serious
and the page fits a phone.

Its cases join ``web.case_ids`` (the package's list counts); the module is named to run
after ``test_web_app`` because it adds cases at the committee's unit, which the
overview's drill-down (the busiest grid) must not see."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from services.routing.adapters.demo import COMMUNITY
from tests.e2e.dashboard.conftest import (
    COMMITTEE,
    PHONE,
    WebStack,
    no_horizontal_overflow,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)
from tests.harness import demo_point, eventually

pytestmark = pytest.mark.integration


async def _dispute(web: WebStack, point: int) -> str:
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": f"批量测试纠纷{point}",
        "description": "邻居噪音扰民",
        "facts": "楼上夜间装修",
        "location": demo_point(point),
        "parties": [{"role": "申请人", "name": "张三"}, {"role": "被申请人", "name": "李四"}],
    }
    response = await web.stack.client("intake", "district_operator").post("/reports", json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    await web.assigned([case_id])
    web.case_ids.append(case_id)
    return case_id


async def _report_at_the_community(web: WebStack, point: int) -> str:
    """A grid's report escalated (上报) to the community: in the mediator's list (the
    committee's unit) but not theirs to work (reports are the grid's and the centre's)."""
    case_id = await web.report(point, title=f"批量测试上报{point}")
    await web.assigned([case_id])
    web.case_ids.append(case_id)
    response = await web.stack.client("routing", "admin").post(
        f"/cases/{case_id}/routing/escalation",
        json={"reason": "网格无法处置"},
        headers={"Idempotency-Key": f"bulk-escalate-{case_id}"},
    )
    assert response.status_code == 201, response.text

    async def at_community() -> bool:
        rows = await web.stack.sql(
            "SELECT unit_code FROM mediation.cases WHERE case_id = $1", case_id
        )
        return bool(rows) and rows[0]["unit_code"] == COMMUNITY

    await eventually(at_community)
    return case_id


async def _committee_in_directory(web: WebStack) -> None:
    """The committee through routing's admin API, so its registry events reach
    mediation's staff directory (the conftest wrote the rows directly; a registry
    change is announced only when something changed, hence the capacity)."""
    admin = web.stack.client("routing", "admin")
    for staff_id, name, role in COMMITTEE:
        response = await admin.put(
            f"/admin/registry/staff/{staff_id}",
            json={"name": name, "role": role, "unit_code": COMMUNITY, "capacity": 101},
        )
        assert response.status_code == 200, response.text

    async def listed() -> bool:
        rows = await web.stack.sql(
            "SELECT count(*) AS n FROM mediation.staff_directory WHERE staff_id = ANY($1)",
            [s for s, _, _ in COMMITTEE],
        )
        return int(rows[0]["n"]) == len(COMMITTEE)

    await eventually(listed)


async def _select(page: Page, case_ids: list[str]) -> None:
    for case_id in case_ids:
        box = page.locator(f"#select-{case_id}")
        await box.focus()
        await page.keyboard.press("Space")  # by keyboard: a labelled checkbox
        await expect(box).to_be_checked()


async def test_bulk_note_and_handover_report_per_case(page: Page, web: WebStack) -> None:
    await _committee_in_directory(web)
    disputes = [await _dispute(web, 900 + n) for n in range(2)]
    holders = await web.stack.sql(
        "SELECT DISTINCT assignee_id FROM mediation.cases WHERE case_id = ANY($1)", disputes
    )
    assert [r["assignee_id"] for r in holders] == ["med-1"]
    report = await _report_at_the_community(web, 934)  # far from every other test's point

    await sign_in(page, "mediator", next_path="/?q=批量测试")
    await page.goto("/?q=批量测试")
    await expect(page.locator(f"#select-{report}")).to_be_visible()

    # A note on three cases: the report is refused with its reason, the others done.
    await _select(page, [*disputes, report])
    await page.get_by_label("备注", exact=True).fill("已电话联系双方，约定周五调解")
    await page.get_by_role("button", name="对所选案件执行").click()
    answer = page.locator("#bulk-answer")
    await expect(answer).to_contain_text("2 件已完成，1 件被拒绝")
    await expect(answer.locator(f"li[data-case='{report}']")).to_contain_text("您无权办理此案件")
    for case_id in disputes:
        await expect(answer.locator(f"li[data-case='{case_id}']")).to_contain_text("已完成")
    assert await serious_accessibility_violations(page) == []
    await screenshot(page, "bulk-note")
    notes = await web.stack.sql(
        "SELECT case_id FROM mediation.case_timeline WHERE step = 'note-added'"
        " AND case_id = ANY($1)",
        [*disputes, report],
    )
    assert sorted(r["case_id"] for r in notes) == sorted(disputes)

    # Hand the two disputes over to the committee's legal adviser.
    await page.goto("/?q=批量测试")
    await _select(page, disputes)
    await page.get_by_label("委员会内转交", exact=True).check()
    await page.get_by_label("同事", exact=True).select_option("law-1")
    await page.get_by_role("button", name="对所选案件执行").click()
    await expect(page.locator("#bulk-answer")).to_contain_text("2 件已完成，0 件被拒绝")

    async def handed() -> bool:
        rows = await web.stack.sql(
            "SELECT count(*) AS n FROM mediation.cases WHERE case_id = ANY($1)"
            " AND assignee_id = 'law-1'",
            disputes,
        )
        return int(rows[0]["n"]) == 2

    await eventually(handed)
    await page.goto("/?q=批量测试")
    for case_id in disputes:
        await expect(page.locator(f"#case-{case_id}")).to_contain_text("吴敏")

    # At phone width the bar and the list still fit, and nothing serious for axe.
    await page.set_viewport_size(PHONE)
    await page.goto("/?q=批量测试")
    assert await no_horizontal_overflow(page)
    assert await serious_accessibility_violations(page) == []
    await screenshot(page, "bulk-phone")


async def test_a_batch_over_the_limit_is_refused_with_a_clear_error(
    page: Page, web: WebStack
) -> None:
    await sign_in(page, "mediator")
    response = await page.request.post(
        "/cases/bulk",
        form={"action": "note", "text": "x", "case": "a"},
        headers={"Origin": web.base_url},
    )
    assert response.status == 200  # one case the mediator cannot see: refused, not an error
    assert "您无权办理此案件" in await response.text()
    many = "&".join(f"case=c{n}" for n in range(101))
    response = await page.request.post(
        "/cases/bulk",
        data=f"action=note&text=x&{many}",
        headers={
            "Origin": web.base_url,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status == 422
    assert "每次最多 100 件，当前选择了 101 件。" in await response.text()
