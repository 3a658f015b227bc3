"""A batch of many cases' events leaves the clocks, their card jobs and each case's
latest step exactly as applying the same events one at a time does: the consumer
gathers clocks, cards, stops and steps into per-batch statements (the throughput fix
of 2026-12-03), which must not change what the stages (MoJ 2002 art. 33) decide."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.escalation.domain.clocks import BEIJING
from shared.events.envelope import CloudEvent
from tests.harness import Stack
from tests.integration.escalation.case_steps import apply, assigned, start_at, step, submitted

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday


def story(case_id: str) -> list[CloudEvent]:
    """Submitted, assigned, 受理 (accept stops, the month opens), a follow-up visit
    (art. 31) scheduled, closed (all but the follow-up stop)."""
    h = T0 + timedelta(hours=1)
    return [
        submitted(case_id, T0),
        assigned(case_id, T0),
        step(case_id, "accepted", h, accepted_at=h, due_at=h + timedelta(days=30)),
        step(case_id, "follow-up-scheduled", h, due_on="2027-01-15"),
        step(case_id, "closed", T0 + timedelta(days=3)),
    ]


async def state(stack: Stack, case_id: str) -> dict[str, Any]:
    """The case's clocks and jobs, without ids, and its latest step."""
    found = await stack.sql(
        "SELECT c.stage, c.occurrence, c.status, c.stop_step, c.due_at, c.unit_code,"
        " c.handler_id, j.kind, j.state, j.due_at AS job_due"
        " FROM escalation.clocks c LEFT JOIN escalation.scheduled_jobs j"
        " ON j.dedupe_key = c.clock_id WHERE c.case_id = $1",
        case_id,
    )
    progress = await stack.sql(
        "SELECT step, state, occurred_at FROM escalation.case_progress WHERE case_id = $1",
        case_id,
    )
    return {
        "clocks": sorted(tuple(str(v) for v in r.values()) for r in found),
        "progress": [dict(r) for r in progress],
    }


async def test_one_batch_of_interleaved_cases_equals_one_event_at_a_time(stack: Stack) -> None:
    await start_at(stack, T0)
    for event in story("one-by-one"):
        await apply(stack, event)
    # Two cases interleaved in one batch; the third only accepted (its month runs on).
    a, b = story("batched-a"), story("batched-b")
    c = story("batched-c")[:3]
    await apply(stack, *[e for pair in zip(a, b, strict=True) for e in pair], *c)

    expected = await state(stack, "one-by-one")
    assert expected["progress"][0]["step"] == "closed"
    assert {(r[0], r[2]) for r in expected["clocks"]} == {
        ("accept", "stopped"),
        ("mediate", "stopped"),
        ("follow_up", "running"),
    }
    assert {(r[0], r[8]) for r in expected["clocks"]} == {
        ("accept", "cancelled"),
        ("mediate", "cancelled"),
        ("follow_up", "pending"),
    }
    assert await state(stack, "batched-a") == expected
    assert await state(stack, "batched-b") == expected
    running = await state(stack, "batched-c")
    assert {(r[0], r[2]) for r in running["clocks"]} == {
        ("accept", "stopped"),
        ("mediate", "running"),
    }
    assert {r[8] for r in running["clocks"] if r[0] == "mediate"} == {"pending"}
    assert {r[8] for r in running["clocks"] if r[0] == "accept"} == {"cancelled"}
    assert running["progress"][0]["step"] == "accepted"


async def test_a_late_older_step_in_a_batch_does_not_win_the_cases_progress(
    stack: Stack,
) -> None:
    await start_at(stack, T0)
    h = T0 + timedelta(hours=1)
    await apply(
        stack,
        submitted("late", T0),
        assigned("late", T0),
        step("late", "accepted", h, accepted_at=h, due_at=h + timedelta(days=30)),
        step("late", "follow-up-scheduled", T0, due_on="2027-01-15"),  # older, replayed late
    )
    assert (await state(stack, "late"))["progress"][0]["step"] == "accepted"
