"""The web app in a real browser: Debian's chromium driven by Playwright, against the
four services on a test stack, with routing and mediation served over real HTTP.

One stack and one browser for the whole package (each test gets its own browser
context, so cookies never leak between tests). Screenshots go to
``tests/artefacts/dashboard/`` (ignored by git).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright
from sqlalchemy import insert, update

from gridcase.demo import DEMO_PASSWORD
from gridcase.services import BY_NAME
from services.routing.adapters.demo import COMMUNITY, seed_demo
from services.routing.adapters.tables import registry_version, staff
from services.routing.service_layer.identity import create_demo_accounts
from shared.db.engine import create_engine
from tests.harness import Stack, TestInfra, demo_point, eventually

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "dashboard"
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
PHONE: ViewportSize = {"width": 375, "height": 812}
LAPTOP: ViewportSize = {"width": 1280, "height": 900}

# Demo accounts for every staff role (the small demo registry plus the committee's
# people and a community centre operator); each signs in with DEMO_PASSWORD.
ACCOUNTS = {
    "admin": "admin",
    "district_operator": "op-district",
    "street_operator": "op-street",
    "community_operator": "op-community",
    "grid_officer": "go-002",
    "mediator": "med-1",
    "community_police": "pol-1",
    "legal_adviser": "law-1",
}
COMMITTEE = [
    ("med-1", "孙丽", "mediator"),
    ("pol-1", "周军", "community_police"),
    ("law-1", "吴敏", "legal_adviser"),
    ("op-community", "郑华", "centre_operator"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class WebStack:
    stack: Stack
    base_url: str
    routing_url: str
    case_ids: list[str] = field(default_factory=list)
    _servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = field(default_factory=list)

    async def report(self, n: int, **overrides: Any) -> str:
        body = {
            "category": "市容环境",
            "title": f"垃圾堆放{n}",
            "description": "小区门口垃圾三天未清运",
            "location": demo_point(n),
        } | overrides
        response = await self.stack.client("intake", "district_operator").post(
            "/reports", json=body
        )
        assert response.status_code == 201, response.text
        case_id: str = response.json()["case_id"]
        return case_id

    async def assigned(self, case_ids: list[str]) -> None:
        async def all_assigned() -> bool:
            rows = await self.stack.sql(
                "SELECT count(*) AS n FROM mediation.cases "
                "WHERE case_id = ANY($1) AND status = 'assigned'",
                case_ids,
            )
            return int(rows[0]["n"]) == len(case_ids)

        await eventually(all_assigned, timeout=60)


async def _serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    return server, task


@pytest_asyncio.fixture(scope="package")
async def web(infra: TestInfra) -> AsyncIterator[WebStack]:
    routing_port, mediation_port, escalation_port = _free_port(), _free_port(), _free_port()
    routing_url = f"http://127.0.0.1:{routing_port}"
    # Escalation is served too: the reports page fetches its exports server side.
    stack = await Stack.create(
        infra,
        routing_url=routing_url,
        escalation_url=f"http://127.0.0.1:{escalation_port}",
        login_rate_per_minute=10_000,
    )
    engine = create_engine(stack.settings.database_url_for("routing"), pool_size=1)
    async with engine.begin() as conn:
        await seed_demo(conn)
        await conn.execute(
            insert(staff),
            [
                {"staff_id": s, "name": n, "role": r, "unit_code": COMMUNITY, "capacity": 100}
                for s, n, r in COMMITTEE
            ],
        )
        await conn.execute(update(registry_version).values(version=registry_version.c.version + 1))
    await engine.dispose()
    await stack.start()
    async with stack.runtime("routing").uow() as uow:
        await create_demo_accounts(uow, DEMO_PASSWORD)
    await stack.wait_until_consuming()
    web = WebStack(stack, f"http://127.0.0.1:{mediation_port}", routing_url)
    served = (("routing", routing_port), ("mediation", mediation_port))
    for name, port in (*served, ("escalation", escalation_port)):
        app = BY_NAME[name].build_app(stack.runtime(name), manage_lifecycle=False)
        web._servers.append(await _serve(app, port))
    web.case_ids = [await web.report(n) for n in range(8)]
    await web.assigned(web.case_ids)
    try:
        yield web
    finally:
        for server, task in web._servers:
            server.should_exit = True
            server.force_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await stack.close()


@pytest_asyncio.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def context(browser: Browser, web: WebStack) -> AsyncIterator[BrowserContext]:
    # bypass_csp: axe-core is injected as a script the page's own policy would refuse.
    created = await browser.new_context(
        base_url=web.base_url, viewport=LAPTOP, bypass_csp=True, locale="zh-CN"
    )
    try:
        yield created
    finally:
        await created.close()


@pytest_asyncio.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    opened = await context.new_page()
    yield opened


async def sign_in(page: Page, role: str, *, next_path: str = "/") -> None:
    """Through the form, as a person would."""
    await page.goto(next_path)
    await page.get_by_label("用户名").fill(ACCOUNTS[role])
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: "/login" not in url)


async def screenshot(page: Page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def no_horizontal_overflow(page: Page) -> bool:
    result: bool = await page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return result


async def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA rules; only serious and critical findings are returned."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            });
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return violations


pytestmark = pytest.mark.integration
