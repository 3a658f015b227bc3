"""The staff web app, through the browser only: sign-in for every role, the case list
with its filters in the URL and the CSV export, a case's page, the supervisors'
overview and its drill-down, English, sign-out, an expired session, live assignment,
every page at phone width, and axe-core's accessibility rules."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from services.mediation.entrypoints.web import live
from shared.auth.tokens import mint_token
from tests.e2e.dashboard.conftest import (
    ACCOUNTS,
    LAPTOP,
    PHONE,
    WebStack,
    no_horizontal_overflow,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)

pytestmark = pytest.mark.integration

ROLE_NAMES_ZH = {
    "admin": "系统管理员",
    "district_operator": "区综治中心操作员",
    "street_operator": "街道综治中心操作员",
    "community_operator": "社区综治中心操作员",
    "grid_officer": "网格员",
    "mediator": "人民调解员",
    "community_police": "社区民警",
    "legal_adviser": "法律顾问",
}


async def _visible_rows(web: WebStack, role: str) -> int:
    """How many of the seeded cases the role's jurisdiction holds, read from the view."""
    if role in ("admin", "district_operator", "street_operator", "community_operator"):
        return len(web.case_ids)
    if role == "grid_officer":
        # Their grid, and anything they hold or reported elsewhere.
        rows = await web.stack.sql(
            "SELECT count(*) AS n FROM mediation.cases WHERE unit_code LIKE '451102001001002%' "
            "OR assignee_id = $1 OR reporter_id = $1",
            ACCOUNTS[role],
        )
        return int(rows[0]["n"])
    # The committee's people: cases of their committee's unit or assigned to them.
    rows = await web.stack.sql(
        "SELECT count(*) AS n FROM mediation.cases "
        "WHERE unit_code = '451102001001' OR assignee_id = $1",
        ACCOUNTS[role],
    )
    return int(rows[0]["n"])


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
async def test_every_staff_role_signs_in_at_the_same_form(
    web: WebStack, page: Page, role: str
) -> None:
    await sign_in(page, role)
    await expect(page.locator(".who .role")).to_have_text(ROLE_NAMES_ZH[role])
    expected = await _visible_rows(web, role)
    if expected:
        await expect(page.locator("#case-rows tr")).to_have_count(expected)
    else:
        await expect(page.locator(".empty")).to_contain_text("暂无案件")
    overview_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name="总览")
    supervisor = role in ("admin", "district_operator", "street_operator", "community_operator")
    await expect(overview_link).to_have_count(1 if supervisor else 0)
    await screenshot(page, f"cases-{role}")


async def test_sign_in_works_at_whatever_host_name_the_user_typed(
    web: WebStack, context: BrowserContext
) -> None:
    """The old page failed at localhost when routing was configured as 127.0.0.1."""
    page = await context.new_page()
    await page.goto(web.base_url.replace("127.0.0.1", "localhost") + "/")
    await page.get_by_label("用户名").fill("op-district")
    await page.get_by_label("密码").fill("gridcase-demo")
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#case-rows tr")).to_have_count(len(web.case_ids))


async def test_wrong_password_is_said_in_chinese_next_to_the_form(page: Page) -> None:
    await page.goto("/login")
    await page.get_by_label("用户名").fill("op-district")
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    await page.get_by_label("用户名").fill("")
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#username-error")).to_have_text("请输入用户名。")
    await expect(page.get_by_label("用户名")).to_have_attribute("aria-invalid", "true")


async def test_filters_are_kept_in_the_url_and_the_csv_exports_the_filtered_list(
    web: WebStack, page: Page
) -> None:
    await sign_in(page, "district_operator")
    rows = await web.stack.sql(
        "SELECT case_number, title FROM mediation.cases ORDER BY submitted_at DESC LIMIT 1"
    )
    number, title = rows[0]["case_number"], rows[0]["title"]
    await page.get_by_label("搜索编号或标题").fill(title)
    await page.wait_for_url(re.compile(r"[?&]q="))
    await expect(page.locator("#case-rows tr")).to_have_count(1)
    await expect(page.locator("#case-rows")).to_contain_text(number)
    await page.get_by_label("状态").select_option("assigned")
    await page.wait_for_url(re.compile(r"status=assigned"))
    assert "q=" in page.url
    # A shared or bookmarked view opens with the same filters.
    await page.reload()
    await expect(page.get_by_label("搜索编号或标题")).to_have_value(title)
    await expect(page.get_by_label("状态")).to_have_value("assigned")
    await expect(page.locator("#case-rows tr")).to_have_count(1)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="导出 CSV").click()
    download = await download_info.value
    content = (await download.path()).read_bytes().decode("utf-8")
    assert content.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert table[0][:2] == ["案件编号", "类型"]
    assert [r[0] for r in table[1:]] == [number]
    assert table[1][4] == "已分派"
    # Paging: two per page … bounded sizes only, so use the smallest and the pager.
    await page.goto("/?size=25&sort=number")
    await expect(page.locator("#case-rows tr")).to_have_count(len(web.case_ids))
    numbers = await page.locator("#case-rows tr td:first-child").all_inner_texts()
    assert numbers == sorted(numbers)


async def test_case_page_shows_the_case_and_routings_explanation_in_chinese(
    web: WebStack, page: Page
) -> None:
    await sign_in(page, "district_operator")
    first = page.locator("#case-rows tr a").first
    number = await first.inner_text()
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    await expect(page.get_by_role("heading", name="承办人及分派理由")).to_be_visible()
    await expect(page.locator(".explanation").first).to_contain_text("规则")
    await expect(page.locator("table.candidates")).to_contain_text("选定")
    await screenshot(page, "case-detail")
    # A case outside the viewer's jurisdiction does not exist for them.
    await page.goto("/case/not-a-case")
    await expect(page.get_by_role("heading", level=1)).to_have_text("未找到")


async def test_street_operator_drills_down_from_the_overview_to_a_grids_list(
    web: WebStack, page: Page
) -> None:
    await sign_in(page, "street_operator")
    await page.get_by_role("link", name="总览").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("总览")
    table = page.locator("table.overview")
    await expect(table).to_contain_text("东融社区")
    grids = page.locator(".grid-map svg a")
    await expect(grids).to_have_count(4)
    await screenshot(page, "overview")
    busiest = await web.stack.sql(
        # the grids drawn on the map (other tests of the package file cases at the
        # community itself, which has no polygon of its own)
        "SELECT unit_code, count(*) AS n FROM mediation.cases WHERE length(unit_code) = 15 "
        "GROUP BY unit_code ORDER BY n DESC, unit_code LIMIT 1"
    )
    code, count = busiest[0]["unit_code"], int(busiest[0]["n"])
    await page.locator(f'.grid-map svg a[href="/?unit={code}"]').click()
    await page.wait_for_url(re.compile(rf"unit={code}"))
    await expect(page.locator("#case-rows tr")).to_have_count(count)
    await expect(page.get_by_label("单位代码（含下辖）")).to_have_value(code)
    # The table's drill-down keeps the status too.
    await page.go_back()
    await page.locator("table.overview td a").first.click()
    await page.wait_for_url(re.compile(r"unit=\d+&status=\w+"))


async def test_english_is_one_click_away_and_stays_chosen(page: Page) -> None:
    await sign_in(page, "district_operator")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    await expect(page.locator(".who .role")).to_have_text("District centre operator")
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_role("heading", name="Cases by unit and status")).to_be_visible()
    await screenshot(page, "overview-en")
    await page.get_by_role("button", name="中文").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("总览")


async def test_sign_out_revokes_the_session_at_routing(
    web: WebStack, page: Page, context: BrowserContext
) -> None:
    await sign_in(page, "mediator")
    refresh = next(c["value"] for c in await context.cookies() if c["name"] == "gc_refresh")
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("status").filter(has_text="您已退出登录")).to_be_visible()
    assert not [c for c in await context.cookies() if c["name"].startswith("gc_")]
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login"))
    async with httpx.AsyncClient(base_url=web.routing_url) as routing:
        again = await routing.post("/auth/refresh", json={"refresh_token": refresh})
    assert again.status_code == 401


async def test_an_expired_session_says_so_instead_of_showing_an_empty_list(
    web: WebStack, page: Page, context: BrowserContext
) -> None:
    await sign_in(page, "district_operator")
    expired = mint_token(
        web.stack.settings.secret_key,
        "op-district",
        "district_operator",
        ["451102"],
        ttl=timedelta(seconds=-60),
    )
    host = web.base_url.split("//")[1].split(":")[0]
    await context.add_cookies(
        [
            {"name": "gc_access", "value": expired, "domain": host, "path": "/"},
            {"name": "gc_refresh", "value": "revoked-or-unknown", "domain": host, "path": "/"},
        ]
    )
    # An htmx update (changing a filter) is sent to sign-in as a whole page.
    await page.get_by_label("状态").select_option("assigned")
    await expect(page).to_have_url(re.compile(r"/login\?.*expired=1"))
    await expect(page.get_by_role("alert")).to_have_text("登录已过期，请重新登录。")
    await screenshot(page, "login-expired")
    # Signing in again returns to the list the user was on.
    await page.get_by_label("用户名").fill("op-district")
    await page.get_by_label("密码").fill("gridcase-demo")
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#case-rows tr")).to_have_count(len(web.case_ids))


async def test_an_expired_access_token_is_refreshed_without_the_user_noticing(
    web: WebStack, page: Page, context: BrowserContext
) -> None:
    await sign_in(page, "grid_officer")
    expired = mint_token(
        web.stack.settings.secret_key,
        "go-002",
        "grid_officer",
        ["451102001001002"],
        ttl=timedelta(seconds=-60),
    )
    host = web.base_url.split("//")[1].split(":")[0]
    await context.add_cookies(
        [{"name": "gc_access", "value": expired, "domain": host, "path": "/"}]
    )
    await page.reload()
    await expect(page.locator(".who .role")).to_have_text("网格员")
    renewed = next(c["value"] for c in await context.cookies() if c["name"] == "gc_access")
    assert renewed != expired


async def test_a_case_newly_assigned_to_me_appears_live_and_is_announced(
    web: WebStack, page: Page
) -> None:
    await sign_in(page, "grid_officer")
    await expect(page.locator("body")).to_have_attribute("data-live", "open")
    before = await page.locator("#case-rows tr").count()
    search = page.get_by_label("搜索编号或标题")
    await search.focus()
    # demo_point(9) lies in grid 002 (east half, south row): go-002's grid.
    case_id = await web.report(9, title="井盖缺失")
    await web.assigned([case_id])
    await expect(page.locator("#case-rows tr")).to_have_count(before + 1, timeout=15_000)
    await expect(page.locator(f"#case-{case_id}")).to_contain_text("井盖缺失")
    await expect(page.get_by_role("status")).to_contain_text("新案件已分派给您")
    assert await page.evaluate("() => document.activeElement && document.activeElement.id") == "q"
    web.case_ids.append(case_id)


async def test_the_live_stream_reconnects_after_it_drops(
    web: WebStack, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends each stream after a while (here one second); the browser comes
    back by itself and still receives assignments."""
    monkeypatch.setattr(live, "STREAM_LIFETIME_S", 1.0)
    await sign_in(page, "grid_officer")
    await expect(page.locator("body")).to_have_attribute("data-live-opened", re.compile(r"[2-9]"))
    monkeypatch.setattr(live, "STREAM_LIFETIME_S", 600.0)
    await expect(page.locator("body")).to_have_attribute("data-live", "open")
    before = await page.locator("#case-rows tr").count()
    case_id = await web.report(10, title="路灯损坏")
    await web.assigned([case_id])
    await expect(page.locator("#case-rows tr")).to_have_count(before + 1, timeout=15_000)
    web.case_ids.append(case_id)


PAGES = [
    ("login", None, "/login"),
    ("cases", "district_operator", "/"),
    ("case", "district_operator", None),
    ("overview", "street_operator", "/overview"),
    ("cases-grid-officer", "grid_officer", "/"),
    ("cases-filtered", "community_operator", "/?status=assigned&sort=number&q=%E5%9E%83"),
    ("not-found", "mediator", "/case/none"),
    ("overview-en", "district_operator", "/overview"),
]


@pytest.mark.parametrize(("name", "role", "path"), PAGES, ids=[p[0] for p in PAGES])
async def test_every_page_fits_a_phone_and_passes_axe(
    web: WebStack, page: Page, name: str, role: str | None, path: str | None
) -> None:
    await page.set_viewport_size(PHONE)
    if role is not None:
        await sign_in(page, role)
    if name.endswith("-en"):
        await page.get_by_role("button", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
    if path is None:
        await page.goto(f"/case/{web.case_ids[0]}")
    else:
        await page.goto(path)
    assert await no_horizontal_overflow(page), f"{name} scrolls sideways at 375 px"
    violations = await serious_accessibility_violations(page)
    await screenshot(page, f"phone-{name}")
    assert violations == [], violations
    # And on a laptop.
    await page.set_viewport_size(LAPTOP)
    assert await serious_accessibility_violations(page) == []


async def test_keyboard_alone_reaches_a_case(page: Page) -> None:
    await sign_in(page, "district_operator")
    await page.keyboard.press("Tab")
    await expect(page.locator(".skip")).to_be_focused()
    await page.keyboard.press("Enter")
    for _ in range(40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement.id")
        if focused.startswith("case-link-"):
            break
    else:
        raise AssertionError("no case link reached by Tab")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/case/"))
