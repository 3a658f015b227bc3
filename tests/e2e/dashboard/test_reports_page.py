"""The reports page (月报与三率; GridCase issue 15 item 3 "shown on the dashboard",
issue 14 item 8 "the rates ... for the dashboard"), through the browser: a community
submits its monthly report to escalation; the street's operator finds it from the
overview, sees its state, figures and rates with their counts as submitted, and
downloads escalation's export through the page's link. Usable by keyboard and at
375 px, axe-core clean."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from services.routing.adapters.demo import COMMUNITY
from tests.e2e.dashboard.conftest import (
    PHONE,
    WebStack,
    no_horizontal_overflow,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)
from tests.harness import eventually

pytestmark = pytest.mark.integration


async def test_street_operator_sees_a_communitys_submitted_report_and_downloads_it(
    web: WebStack, page: Page
) -> None:
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    community = web.stack.client("escalation", "community_operator")
    report = await community.get(f"/monthly-reports/{COMMUNITY}/{month}")
    assert report.status_code == 200, report.text
    submitted = await community.post(
        f"/monthly-reports/{COMMUNITY}/{month}/submit",
        headers={"Idempotency-Key": f"e2e-report-{month}"},
    )
    assert submitted.status_code == 200, submitted.text

    async def heard() -> dict[str, object] | None:
        rows = await web.stack.sql(
            "SELECT totals, rates FROM mediation.monthly_reports "
            "WHERE unit_code = $1 AND month = $2",
            COMMUNITY,
            month,
        )
        return dict(rows[0]) if rows else None

    view = await eventually(heard)
    assert view is not None
    totals, rates = json.loads(str(view["totals"])), json.loads(str(view["rates"]))
    screened = report.json()["totals"]["month"]["screened"]
    assert totals["screened"] == screened

    await sign_in(page, "street_operator", next_path="/overview")
    await page.get_by_role("link", name="查看月报告").click()
    await expect(page).to_have_url(re.compile(r"/reports$"))
    await expect(
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="月报与三率")
    ).to_have_attribute("aria-current", "page")
    await page.get_by_label("月份").fill(month)
    await page.get_by_role("button", name="查看").click()
    row = page.locator(f"#report-{COMMUNITY}")
    await expect(row.locator(".report-state")).to_have_text("已报")
    await expect(row.locator("td[data-label='排查数']")).to_have_text(str(screened))
    response = rates["response_numerator"], rates["response_denominator"]
    await expect(row.locator("td[data-label='响应率']")).to_contain_text(
        f"({response[0]}/{response[1]})"
    )
    success = rates["mediation_success_numerator"], rates["mediation_success_denominator"]
    await expect(row.locator("td[data-label='成功率']")).to_contain_text(
        f"({success[0]}/{success[1]})"
    )
    await screenshot(page, "reports")

    # The export link works: escalation's xlsx, fetched as this user.
    async with page.expect_download() as started:
        await row.get_by_role("link", name=re.compile("下载 XLSX")).click()
    download = await started.value
    assert download.suggested_filename == f"monthly-report-{COMMUNITY}-{month}.xlsx"
    body = await asyncio.to_thread((await download.path()).read_bytes)
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert str(sheet.cell(1, 1).value).startswith("矛盾纠纷排查化解基本情况统计表")

    # By keyboard: the export links are reachable with Tab.
    await page.locator("#month").focus()
    for _ in range(30):
        await page.keyboard.press("Tab")
        label = await page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        if label and "下载" in label:
            break
    else:
        raise AssertionError("no export link reached by Tab")

    # At phone width: no sideways scrolling, no serious axe findings.
    await page.set_viewport_size(PHONE)
    assert await no_horizontal_overflow(page), "the reports page scrolls sideways at 375 px"
    await screenshot(page, "phone-reports")
    assert await serious_accessibility_violations(page) == []


async def test_an_export_outside_the_jurisdiction_is_not_found(page: Page) -> None:
    await sign_in(page, "community_operator")
    answer = await page.request.get("/reports/451102002001/2026-11/export.xlsx")
    assert answer.status == 404
