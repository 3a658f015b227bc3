"""Mediation's case view folds a batch of case events as it would fold them one by one."""

from __future__ import annotations

from typing import Any

import pytest

from services.mediation.entrypoints.consumers import read_case_event
from services.mediation.service_layer import handlers
from shared.events.envelope import CloudEvent
from tests.harness import Stack
from tests.integration.case_events import assigned, submitted

pytestmark = pytest.mark.integration


async def view(stack: Stack) -> dict[str, dict[str, Any]]:
    rows = await stack.sql(
        "SELECT case_id, case_number, status, assignee_id FROM mediation.cases ORDER BY case_id"
    )
    return {r["case_id"]: dict(r) for r in rows}


async def fold(stack: Stack, events: list[CloudEvent], *, together: bool) -> None:
    runtime = stack.runtime("mediation")
    batches = [events] if together else [[e] for e in events]
    for batch in batches:
        async with runtime.uow() as uow:
            await handlers.fold_case_events(uow, [read_case_event(e) for e in batch])
            await uow.commit()


@pytest.mark.parametrize("together", [True, False], ids=["one batch", "one by one"])
async def test_interleaved_and_out_of_order_events_end_in_the_same_view(
    stack: Stack, together: bool
) -> None:
    await stack.start("mediation", consumers=False, relay=False)
    await fold(stack, [assigned("c", "go-009")], together=True)  # an earlier batch
    events = [
        submitted("a"),
        assigned("b", "go-001"),  # before its submission: the status never goes back
        assigned("a", "go-002"),
        submitted("b"),
        assigned("a", "go-003"),  # reassigned within the batch
        submitted("c"),
    ]
    await fold(stack, events, together=together)
    assert await view(stack) == {
        "a": {"case_id": "a", "case_number": "GC-a", "status": "assigned", "assignee_id": "go-003"},
        "b": {"case_id": "b", "case_number": "GC-b", "status": "assigned", "assignee_id": "go-001"},
        "c": {"case_id": "c", "case_number": "GC-c", "status": "assigned", "assignee_id": "go-009"},
    }
