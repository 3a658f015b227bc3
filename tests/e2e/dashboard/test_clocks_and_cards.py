"""Escalation's yellow and red cards (黄牌、红牌, DOMAIN.md "Time limits and supervision")
on the dashboard, in a real browser: a column of the case list marked in words, the
list's ``card`` filter in the URL, the case page's clocks and timeline, and "my work"
putting a carded item among the overdue. The notices are published through
escalation's own outbox and reach mediation over Kafka."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from shared.events import topics
from shared.events.escalation import (
    ClockWarnedV1,
    RedCardIssuedV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
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


async def _dispute(web: WebStack, point: int) -> str:
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": f"噪音扰民纠纷{point}",
        "description": "楼上夜间噪音",
        "facts": "楼上住户夜间装修",
        "location": demo_point(point),
        "parties": [
            {"role": "申请人", "name": "张三", "phone": "13812345678"},
            {"role": "被申请人", "name": "李四"},
        ],
    }
    response = await web.stack.client("intake", "district_operator").post("/reports", json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    await web.assigned([case_id])
    web.case_ids.append(case_id)
    return case_id


async def issue(web: WebStack, case_id: str, *models: type[Any], stage: str = "accept") -> None:
    """Escalation's notices of one clock of ``case_id``, published as escalation does
    (its outbox and relay), and waited for in mediation's view."""
    now = datetime.now(UTC)
    started = now - timedelta(days=5)
    async with web.stack.runtime("escalation").uow() as uow:
        for n, model in enumerate(models):
            extra = {"warn_at": started + timedelta(hours=12)} if model is ClockWarnedV1 else {}
            uow.publish(
                topics.CYCLE,
                case_id,
                model(
                    clock_id=f"{case_id}-{stage}",
                    case_id=case_id,
                    stage=stage,
                    category="婚姻家庭邻里",
                    unit_code="451102001001",
                    handler_id=None,
                    started_at=started,
                    due_at=started + timedelta(days=1),
                    yellow_at=started + timedelta(days=2),
                    red_at=started + timedelta(days=4),
                    fired_at=now - timedelta(hours=len(models) - n),
                    **extra,
                ),
            )
        await uow.commit()

    async def heard() -> bool:
        rows = await web.stack.sql(
            "SELECT jsonb_object_keys(notices) AS k FROM mediation.case_clocks WHERE case_id = $1",
            case_id,
        )
        return len(rows) == len(models)

    await eventually(heard, timeout=30)


async def test_cards_show_on_the_list_the_case_page_and_my_work(web: WebStack, page: Page) -> None:
    red = await _dispute(web, 40)
    yellow = await _dispute(web, 41)
    await issue(web, red, ClockWarnedV1, YellowCardIssuedV1, RedCardIssuedV1)
    await issue(web, yellow, YellowCardIssuedV1)

    # The list: a column that says the card in words, and a filter kept in the URL.
    await sign_in(page, "district_operator")
    await expect(page.locator(f"#case-{red}")).to_contain_text("红牌")
    await expect(page.locator(f"#case-{yellow}")).to_contain_text("黄牌")
    await page.locator("#card").select_option("red")
    await expect(page).to_have_url(re.compile(r"[?&]card=red"))
    await expect(page.locator(f"#case-{red}")).to_be_visible()
    await expect(page.locator(f"#case-{yellow}")).to_have_count(0)
    await screenshot(page, "cases-red-cards")
    await page.goto("/?card=yellow")
    await expect(page.locator("#card")).to_have_value("yellow")
    await expect(page.locator(f"#case-{yellow} .card-mark")).to_have_text("黄牌")
    await expect(page.locator(f"#case-{red}")).to_have_count(0)
    await page.goto("/?card=green")
    await expect(page.get_by_role("alert")).to_contain_text("黄红牌只能选黄牌或红牌")

    # The deadline filter: a carded step is overdue, as on "my work".
    await page.goto("/?due=overdue")
    await expect(page.locator(f"#case-{red}")).to_be_visible()
    await expect(page.locator(f"#case-{yellow}")).to_be_visible()
    await page.locator("#due").select_option("later")
    await expect(page).to_have_url(re.compile(r"[?&]due=later"))
    await expect(page.locator(f"#case-{red}")).to_have_count(0)
    await page.goto("/?due=someday")
    await expect(page.get_by_role("alert")).to_contain_text("期限筛选值无效")

    # The case page: its clocks with the card, and one timeline line per notice.
    await page.goto(f"/case/{red}")
    clocks = page.locator("#clocks")
    await expect(clocks.locator("h2 .card-mark")).to_have_text("红牌")
    await expect(clocks.locator(".clock")).to_contain_text("受理")
    await expect(page.locator("#timeline [data-step=red-card]")).to_contain_text("督办")
    await expect(page.locator("#timeline [data-step=yellow-card]")).to_have_count(1)
    await expect(page.locator("#timeline [data-step=clock-warned]")).to_have_count(1)
    await screenshot(page, "case-clocks-and-cards")

    # My work: the handler's carded item is overdue, and says which card.
    await page.context.clear_cookies()
    await sign_in(page, "mediator", next_path="/my-work")
    item = page.locator(f".bucket-overdue #work-{red}")
    await expect(item).to_contain_text("红牌")
    await expect(page.locator(f".bucket-overdue #work-{yellow}")).to_contain_text("黄牌")

    # Usable on a phone and to assistive technology, on both pages.
    for path in ("/my-work", "/?card=red", f"/case/{red}"):
        await page.set_viewport_size(PHONE)
        await page.goto(path)
        assert await no_horizontal_overflow(page), f"{path} scrolls sideways at 375 px"
        assert await serious_accessibility_violations(page) == [], path
        await page.set_viewport_size(LAPTOP)
        assert await serious_accessibility_violations(page) == [], path


async def test_a_supervision_waits_for_the_handlers_answer_on_my_work(
    web: WebStack, page: Page
) -> None:
    """督办: the handler owes an answer by its due time (DOMAIN.md "Time limits and
    supervision"); it is on their "my work", marked with its level in words, and on
    the case's timeline."""
    case_id = await _dispute(web, 42)
    now = datetime.now(UTC)
    async with web.stack.runtime("escalation").uow() as uow:
        uow.publish(
            topics.CYCLE,
            case_id,
            SupervisionIssuedV1(
                supervision_id=f"sup-{case_id}",
                case_id=case_id,
                level="yellow_card",
                origin="operator",
                issued_by="op-street",
                issuing_unit_code="451102001",
                unit_code="451102001001",
                handler_id="med-1",
                answer_due_at=now + timedelta(hours=2),
                issued_at=now,
            ),
        )
        await uow.commit()

    async def heard() -> bool:
        rows = await web.stack.sql(
            "SELECT 1 FROM mediation.case_supervisions WHERE case_id = $1", case_id
        )
        return bool(rows)

    await eventually(heard, timeout=30)
    await sign_in(page, "mediator", next_path="/my-work")
    # Its own item, beside the case's acceptance.
    await expect(page.locator(f"#work-{case_id}")).to_contain_text("待受理")
    item = page.locator(f"#work-{case_id}-supervision")
    await expect(item).to_contain_text("待回复督办")
    await expect(item.locator(".supervision-yellow_card")).to_have_text("黄牌督办")
    await item.get_by_role("link").click()
    await expect(page.locator("#timeline [data-step=supervision-issued]")).to_contain_text(
        "黄牌督办：请承办人于"
    )
