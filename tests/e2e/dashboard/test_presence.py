"""Who else is viewing a case page (issue 13, "Live"): two people in two browsers on
the same case see each other, announced in a ``role="status"`` region, by the name the
staff directory knows them by (their staff id when it does not); the stream reconnects
after it drops and still shows them; the other leaving is shown too."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from services.mediation.entrypoints.web import live
from tests.e2e.dashboard.conftest import (
    LAPTOP,
    WebStack,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)
from tests.e2e.dashboard.test_clocks_and_cards import _dispute
from tests.e2e.dashboard.test_worklist_bulk_actions import _committee_in_directory

pytestmark = pytest.mark.integration


async def _viewer_page(browser: Browser, web: WebStack, role: str, case_id: str) -> Page:
    context = await browser.new_context(
        base_url=web.base_url, viewport=LAPTOP, bypass_csp=True, locale="zh-CN"
    )
    page = await context.new_page()
    await sign_in(page, role)
    await page.goto(f"/case/{case_id}")
    return page


async def test_two_people_on_one_case_see_each_other_live(
    web: WebStack, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _committee_in_directory(web)  # med-1 is 孙丽 there; op-district is not listed
    case_id = await _dispute(web, 50)
    operator = await _viewer_page(browser, web, "district_operator", case_id)
    region = operator.locator("#viewers")
    await expect(region).to_have_attribute("role", "status")
    await expect(region).to_have_text("目前没有其他人在查看此案。")

    mediator = await _viewer_page(browser, web, "mediator", case_id)
    await expect(region).to_contain_text("正在查看此案的还有：")
    await expect(region).to_contain_text("孙丽 (人民调解员)")
    await expect(region).not_to_contain_text("med-1")
    await expect(mediator.locator("#viewers")).to_contain_text("op-district")  # by id
    await screenshot(operator, "case-viewers")
    assert await serious_accessibility_violations(operator) == []

    # The operator's stream drops (the server ends it after a second here) and comes
    # back by itself: the mediator is still shown.
    monkeypatch.setattr(live, "STREAM_LIFETIME_S", 1.0)
    await operator.reload()
    await expect(operator.locator("body")).to_have_attribute(
        "data-live-opened", re.compile(r"[2-9]")
    )
    monkeypatch.setattr(live, "STREAM_LIFETIME_S", 600.0)
    await expect(operator.locator("body")).to_have_attribute("data-live", "open")
    await expect(region).to_contain_text("孙丽", timeout=10_000)
    await expect(mediator.locator("#viewers")).to_contain_text("op-district", timeout=10_000)

    # The mediator goes away: the operator is told at once.
    await mediator.context.close()
    await expect(region).to_have_text("目前没有其他人在查看此案。", timeout=10_000)
    await operator.context.close()
