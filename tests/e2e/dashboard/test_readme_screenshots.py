"""The README's pictures of the main pages (sign-in, my work, the case list, a case,
the overview), each on a laptop and at 375 px, written to ``tests/artefacts/dashboard/``
as ``readme-<page>[-phone].png`` (``docs/screenshots/`` holds the committed copies).
Each page is also checked to fit the phone without sideways scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, ViewportSize, expect

from shared.events.escalation import RedCardIssuedV1, YellowCardIssuedV1
from tests.e2e.dashboard.conftest import (
    ARTEFACTS,
    LAPTOP,
    PHONE,
    WebStack,
    no_horizontal_overflow,
    sign_in,
)
from tests.e2e.dashboard.test_clocks_and_cards import _dispute, issue

pytestmark = pytest.mark.integration


async def _both_sizes(page: Page, name: str, *, full_page: bool = False) -> list[Path]:
    """The page as it first appears (or all of it), on a laptop and on a phone."""
    written = []
    for suffix, size in (("", LAPTOP), ("-phone", PHONE)):
        viewport: ViewportSize = size
        await page.set_viewport_size(viewport)
        await page.reload()
        await page.wait_for_load_state("networkidle")
        assert await no_horizontal_overflow(page), f"{name}{suffix} scrolls sideways"
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"readme-{name}{suffix}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        written.append(path)
    await page.set_viewport_size(LAPTOP)
    return written


async def test_the_main_pages_are_pictured_for_the_readme(web: WebStack, page: Page) -> None:
    late = await _dispute(web, 60)
    await issue(web, late, YellowCardIssuedV1, RedCardIssuedV1, stage="accept")
    slow = await _dispute(web, 61)
    await issue(web, slow, YellowCardIssuedV1, stage="accept")

    await page.goto("/login")
    await expect(page.get_by_label("用户名")).to_be_visible()
    await _both_sizes(page, "login")

    await sign_in(page, "mediator", next_path="/my-work")
    await expect(page.locator(f".bucket-overdue #work-{late}")).to_contain_text("红牌")
    await _both_sizes(page, "my-work")
    await page.goto(f"/case/{late}")
    await expect(page.locator("#clocks")).to_contain_text("红牌")
    await _both_sizes(page, "case")

    await page.context.clear_cookies()
    await sign_in(page, "district_operator")
    await expect(page.locator(f"#case-{late}")).to_contain_text("红牌")
    await _both_sizes(page, "cases")

    await page.context.clear_cookies()
    await sign_in(page, "street_operator", next_path="/overview")
    await expect(page.locator("svg").first).to_be_visible()
    await _both_sizes(page, "overview", full_page=True)
