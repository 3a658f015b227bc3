"""Cases worked through the browser only: a mediator takes a dispute from acceptance to
archive (People's Mediation Law arts. 17–33: 受理, 调解, 协议书, 签章, 盖章, 回访, 结案,
归档) and watches the timeline grow; a grid officer verifies one report and sends
another back (回退); a bad form is answered field by field in Chinese; a double submit
is taken once; a stale form shows the fresh file; "my work" lists what waits, in
deadline buckets; the new pages fit a phone and pass axe-core."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.dashboard.conftest import (
    LAPTOP,
    PHONE,
    WebStack,
    no_horizontal_overflow,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)
from tests.harness import demo_point, eventually

pytestmark = pytest.mark.integration

GRID_1 = "451102001001001"


async def _dispute(web: WebStack, point: int) -> str:
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": f"相邻通行纠纷{point}",
        "description": "邻居砌墙堵住通道",
        "facts": "李四在两家之间砌墙，张三无法通行",
        "location": demo_point(point),
        "parties": [
            {"role": "申请人", "name": "张三", "phone": "13812345678"},
            {"role": "被申请人", "name": "李四", "phone": "13900001111"},
        ],
    }
    response = await web.stack.client("intake", "district_operator").post("/reports", json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    await web.assigned([case_id])
    web.case_ids.append(case_id)
    return case_id


async def _officers_report(web: WebStack, point: int, title: str) -> str:
    """go-002 reports something in grid 1 (go-001's grid): go-001 handles it, go-002
    verifies it (the reporter verifies, DOMAIN.md "Case work")."""
    headers = web.stack.headers("grid_officer", "go-002", ("451102001001002",))
    headers["Idempotency-Key"] = f"e2e-report-{point}"
    body = {
        "kind": "report",
        "category": "市容环境",
        "title": title,
        "description": "小区门口流动摊贩占道经营",
        "location": demo_point(point),
    }
    response = await web.stack.client("intake").post(
        "/mobile/v1/reports", json=body, headers=headers
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    await web.assigned([case_id])
    web.case_ids.append(case_id)
    return case_id


async def _handled_by_go_001(web: WebStack, case_id: str) -> None:
    """The handler's part, through the JSON API (this test is about verification)."""
    headers = web.stack.headers("grid_officer", "go-001", (GRID_1,))
    client = web.stack.client("mediation")
    etag = None
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for n, (path, body) in enumerate(
        [
            ("handling/acceptance", {"note": "收到"}),
            ("handling/actions", {"description": "劝离摊贩", "at": an_hour_ago}),
            ("handling/feedback", {"result": "resolved", "content": "已劝离"}),
        ]
    ):
        step_headers = {**headers, "Idempotency-Key": f"{case_id}-{n}"}
        if etag:
            step_headers["If-Match"] = etag
        response = await client.post(f"/cases/{case_id}/{path}", json=body, headers=step_headers)
        assert response.status_code in (200, 201), response.text
        etag = response.headers["etag"]


def _form(page: Page, slug: str) -> Locator:
    return page.locator(f"#step-{slug}")


async def _open(page: Page, slug: str) -> Locator:
    details = _form(page, slug)
    if await details.get_attribute("open") is None:
        await details.locator("summary").click()
    return details


async def _submit(page: Page, slug: str, steps_before: int) -> None:
    """Send the form; the answer is swapped in and the timeline has one step more."""
    await _form(page, slug).locator("button[type=submit]").click()
    await expect(page.locator(".outcome-done")).to_contain_text("已完成")
    await expect(page.locator("#timeline li.entry")).to_have_count(steps_before + 1)


async def test_a_mediator_takes_a_dispute_from_acceptance_to_archive_through_the_page(
    web: WebStack, page: Page
) -> None:
    case_id = await _dispute(web, 20)
    await sign_in(page, "mediator", next_path="/login")
    # Handlers land on "my work": the new dispute waits to be accepted.
    await expect(page).to_have_url(re.compile(r"/my-work$"))
    item = page.locator(f"#work-{case_id}")
    await expect(item).to_contain_text("待受理")
    await screenshot(page, "my-work-mediator")
    await item.get_by_role("link").click()
    await expect(page.locator("#case-state")).to_have_text("待受理")

    # A bad form: answered next to its fields, in Chinese, and nothing happens.
    accept = await _open(page, "accept")
    await accept.locator("#f-accept-came_in").select_option("application")
    await accept.locator("button[type=submit]").click()
    await expect(page.locator("#f-accept-summary-error")).to_have_text("此项为必填项。")
    await expect(page.locator("#f-accept-summary")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-accept-parties-error")).to_have_text("请至少填写一项。")
    await expect(page.locator("#timeline li.entry")).to_have_count(0)
    await screenshot(page, "case-form-errors")
    # The domain's refusal of a field comes back next to it too (art. 17: voluntary).
    accept = await _open(page, "accept")
    await accept.locator("#f-accept-came_in").select_option("application")
    await accept.locator("#f-accept-parties-0-role").fill("申请人")
    await accept.locator("#f-accept-parties-0-name").fill("张三")
    await accept.locator("#f-accept-parties-1-role").fill("被申请人")
    await accept.locator("#f-accept-parties-1-name").fill("李四")
    await accept.locator("#f-accept-summary").fill("相邻通行纠纷，申请人要求拆除围墙")
    await accept.locator("#f-accept-applies_voluntarily").check()
    await accept.locator("button[type=submit]").click()
    await expect(page.locator("#f-accept-rules_explained-error")).to_contain_text("须告知调解规则")
    # Fixed, it is taken.
    accept = await _open(page, "accept")
    await accept.locator("#f-accept-rules_explained").check()
    await _submit(page, "accept", 0)
    await expect(page.locator("#case-state")).to_have_text("调解中")
    await expect(page.locator("#timeline li.entry").first).to_contain_text("受理")

    # Another tab still holds the form as it was: its submit shows the fresh file.
    stale = await page.context.new_page()
    await stale.goto(f"/case/{case_id}")

    session = await _open(page, "session")
    await session.locator("#f-session-place").fill("东融社区人民调解室")
    await session.locator("#f-session-note_taker").fill("陈记录")
    await session.locator("#f-session-parties_present-0").check()
    await session.locator("#f-session-parties_present-1").check()
    await session.locator("#f-session-record").fill("双方陈述意见，同意拆除围墙。")
    await session.locator("#f-session-outcome").select_option("agreed")
    await _submit(page, "session", 1)

    investigation = await _open(stale, "investigation")
    await investigation.locator("#f-investigation-place").fill("现场")
    await investigation.locator("#f-investigation-record").fill("查看围墙位置")
    await investigation.locator("button[type=submit]").click()
    await expect(stale.get_by_role("alert")).to_contain_text("已被他人修改")
    await expect(stale.locator("#timeline li.entry")).to_have_count(2)
    await stale.close()

    agreement = await _open(page, "agreement")
    await agreement.locator("#f-agreement-number").fill("东融调字〔2026〕第7号")
    await agreement.locator("#f-agreement-parties-0-phone").fill("13812345678")
    await agreement.locator("#f-agreement-facts").fill("李四在两家之间砌墙，张三无法通行。")
    await agreement.locator("#f-agreement-disputed_matters").fill("围墙是否拆除。")
    await agreement.locator("#f-agreement-terms-0-obligor").select_option("1")
    await agreement.locator("#f-agreement-terms-0-content").fill("拆除围墙，恢复通道")
    await agreement.locator("#f-agreement-terms-0-method").fill("自行拆除")
    await agreement.locator("#f-agreement-terms-0-place").fill("东融社区3栋北侧")
    await agreement.locator("#f-agreement-terms-0-deadline").fill("2026-12-31")
    await _submit(page, "agreement", 2)
    await expect(page.locator("#case-state")).to_have_text("协议待签")
    # The parties' details are masked on the page; the print page shows them (audited).
    await expect(page.locator("#sec-agreement + dl")).to_contain_text("138****5678")
    print_link = page.get_by_role("link", name="调解协议书打印页")
    printed = await page.request.get(str(await print_link.get_attribute("href")))
    assert printed.status == 200 and "13812345678" in await printed.text()
    pdf = await page.request.get(f"/case/{case_id}/agreement.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    audited = await web.stack.sql(
        "SELECT count(*) AS n FROM mediation.audit_log WHERE object = $1", case_id
    )
    assert int(audited[0]["n"]) >= 2

    for steps in (3, 4):
        signature = await _open(page, "party-signature")
        options = signature.locator("#f-party-signature-party option")
        await expect(options).to_have_count(6 - steps)  # "choose" and the unsigned
        await signature.locator("#f-party-signature-party").select_option(index=1)
        await signature.locator("#f-party-signature-kind").select_option("signed")
        await _submit(page, "party-signature", steps)
    await _open(page, "mediator-signature")
    await _submit(page, "mediator-signature", 5)
    seal = await _open(page, "seal")
    await expect(seal.locator("#f-seal-committee")).not_to_have_value("")
    await _submit(page, "seal", 6)
    await expect(page.locator("#case-state")).to_have_text("协议已生效")
    await expect(page.locator("#signatures")).to_contain_text("签名")

    # A double submit of one rendered form is taken once (its Idempotency-Key).
    schedule = await _open(page, "follow-up-schedule")
    form = schedule.locator("form")
    fields: dict[str, str | float | bool] = {
        "_key": await form.locator("input[name=_key]").input_value(),
        "_version": await form.locator("input[name=_version]").input_value(),
        "due_on": await form.locator("#f-follow-up-schedule-due_on").input_value(),
    }
    url = f"/case/{case_id}/steps/follow-up-schedule"
    first = await page.request.post(url, form=fields, headers={"HX-Request": "true"})
    again = await page.request.post(url, form=fields, headers={"HX-Request": "true"})
    assert first.status == 200 and again.status == 200
    assert "只办理了一次" in await again.text()
    await page.reload()
    await expect(page.locator('#timeline li[data-step="follow-up-scheduled"]')).to_have_count(1)

    follow_up = await _open(page, "follow-up")
    await follow_up.locator("#f-follow-up-person_visited").fill("张三")
    await follow_up.locator("#f-follow-up-performance").select_option("performed")
    await follow_up.locator("#f-follow-up-situation").fill("围墙已拆除，通道恢复")
    await follow_up.locator("#f-follow-up-after").select_option("nothing")
    await _submit(page, "follow-up", 8)
    closing = await _open(page, "closing")
    await closing.locator("#f-closing-result").select_option("success")
    await _submit(page, "closing", 9)
    await expect(page.locator("#case-state")).to_have_text("已结案")
    archive = await _open(page, "archive")
    await archive.locator("#f-archive-volume_number").fill("2026-07")
    await archive.locator("#f-archive-retention").fill("10年")
    await _submit(page, "archive", 10)
    await expect(page.locator("#case-state")).to_have_text("已归档")
    await expect(page.locator(".steps .empty")).to_be_visible()
    steps = await page.locator("#timeline li.entry").evaluate_all(
        "entries => entries.map(e => e.dataset.step).reverse()"
    )
    assert steps == [
        "accepted",
        "session-recorded",
        "agreement-drafted",
        "agreement-signed",
        "agreement-signed",
        "agreement-signed",
        "agreement-signed",
        "follow-up-scheduled",
        "follow-up-recorded",
        "closed",
        "archived",
    ]
    await screenshot(page, "case-archived")


async def test_a_grid_officer_verifies_one_report_and_sends_another_back(
    web: WebStack, page: Page
) -> None:
    verified = await _officers_report(web, 12, "占道经营")
    returned = await _officers_report(web, 13, "乱堆杂物")
    for case_id in (verified, returned):
        await _handled_by_go_001(web, case_id)
    await sign_in(page, "grid_officer", next_path="/login")
    await expect(page).to_have_url(re.compile(r"/my-work$"))
    for case_id in (verified, returned):
        await expect(page.locator(f"#work-{case_id}")).to_contain_text("待验证")

    await page.locator(f"#work-{verified} a").click()
    await expect(page.locator("#case-state")).to_have_text("待验证")
    await expect(page.locator("#sec-actions")).to_contain_text("照片 0 张")
    verify = await _open(page, "report-verification")
    await verify.locator("#f-report-verification-note").fill("现场已无摊贩")
    await _submit(page, "report-verification", 3)
    await expect(page.locator("#case-state")).to_have_text("已验证")
    await expect(page.locator(".steps .empty")).to_be_visible()  # closing is the handler's

    await page.goto("/my-work")
    await page.locator(f"#work-{returned} a").click()
    send_back = await _open(page, "report-return")
    await send_back.locator("button[type=submit]").click()
    await expect(page.locator("#f-report-return-reason-error")).to_have_text("此项为必填项。")
    send_back = await _open(page, "report-return")
    await send_back.locator("#f-report-return-reason").fill("复查时杂物仍在")
    await _submit(page, "report-return", 3)
    await expect(page.locator("#case-state")).to_have_text("办理中")
    await expect(page.locator("#timeline li.entry").first).to_contain_text("回退")
    await screenshot(page, "report-sent-back")

    async def gone() -> bool:
        await page.goto("/my-work")
        return await page.locator(f"#work-{returned}").count() == 0

    await eventually(gone, timeout=10)


NEW_PAGES = [
    ("my-work", "mediator", "/my-work"),
    ("my-work-grid-officer", "grid_officer", "/my-work"),
    ("case-work", "mediator", None),
    ("case-work-en", "mediator", None),
]


@pytest.mark.parametrize(("name", "role", "path"), NEW_PAGES, ids=[p[0] for p in NEW_PAGES])
async def test_the_new_pages_fit_a_phone_and_pass_axe(
    web: WebStack, page: Page, name: str, role: str, path: str | None
) -> None:
    await page.set_viewport_size(PHONE)
    await sign_in(page, role)
    if name.endswith("-en"):
        await page.get_by_role("button", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
    if path is None:
        rows = await web.stack.sql(
            "SELECT c.case_id FROM mediation.cases c LEFT JOIN mediation.case_files f "
            "USING (case_id) WHERE c.assignee_id = 'med-1' AND f.case_id IS NULL LIMIT 1"
        )
        case_id = rows[0]["case_id"] if rows else await _dispute(web, 21)
        await page.goto(f"/case/{case_id}")
        # Every form open, as a person working down the page would have them.
        for summary in await page.locator("details.step > summary").all():
            await summary.click()
    else:
        await page.goto(path)
    assert await no_horizontal_overflow(page), f"{name} scrolls sideways at 375 px"
    violations = await serious_accessibility_violations(page)
    await screenshot(page, f"phone-{name}")
    assert violations == [], violations
    await page.set_viewport_size(LAPTOP)
    assert await serious_accessibility_violations(page) == []
