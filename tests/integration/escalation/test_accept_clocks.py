"""Escalation applies a batch of case events as it would apply them one by one."""

from __future__ import annotations

from typing import Any

import pytest

from services.escalation.entrypoints.consumers import read_case_event
from services.escalation.service_layer import handlers
from shared.events.envelope import CloudEvent
from tests.harness import Stack
from tests.integration.case_events import assigned, submitted

pytestmark = pytest.mark.integration


async def clocks(stack: Stack) -> list[dict[str, Any]]:
    rows = await stack.sql(
        "SELECT case_id, stage, category, unit_code, status FROM escalation.clocks ORDER BY case_id"
    )
    return [dict(r) for r in rows]


@pytest.mark.parametrize("together", [True, False], ids=["one batch", "one by one"])
async def test_the_first_assignment_starts_one_clock_with_the_category_then_known(
    stack: Stack, together: bool
) -> None:
    await stack.start("escalation", consumers=False, relay=False)
    runtime = stack.runtime("escalation")
    events: list[CloudEvent] = [
        submitted("a", "劳资纠纷(欠薪)"),
        assigned("a", "md-001"),
        assigned("b", "go-001"),  # before its submission: the default limits apply
        submitted("b", "市容环境"),
        assigned("a", "md-002"),  # a reassignment starts no second clock
        submitted("a", "其他"),  # a replayed or conflicting category: the first stays
    ]
    for batch in [events] if together else [[e] for e in events]:
        async with runtime.uow() as uow:
            cases = [read_case_event(e) for e in batch]
            await handlers.apply_case_events(uow, cases)
            await uow.commit()
    assert await clocks(stack) == [
        {
            "case_id": "a",
            "stage": "accept",
            "category": "劳资纠纷(欠薪)",
            "unit_code": "451102001001002",
            "status": "running",
        },
        {
            "case_id": "b",
            "stage": "accept",
            "category": "default",
            "unit_code": "451102001001002",
            "status": "running",
        },
    ]
    categories = await stack.sql(
        "SELECT case_id, category FROM escalation.case_categories ORDER BY case_id"
    )
    assert [tuple(r) for r in categories] == [("a", "劳资纠纷(欠薪)"), ("b", "市容环境")]
