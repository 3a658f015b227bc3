"""A regular meeting's ``assign`` decision (月例会, seed 001) applied by routing's service
layer on real PostgreSQL: the case goes to the named staff member (trigger
``meeting_decision``, reason 例会决定) with the loads moved; a person outside the
meeting's unit, or one already holding it, changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from services.routing.service_layer import handlers
from services.routing.service_layer.meeting_decisions import assign_by_meeting
from services.routing.state import RoutingRuntime
from shared.events.escalation import MeetingDecisionRecordedV1
from shared.events.intake import CaseSubmittedV1
from shared.messaging.received import Received
from tests.harness import Stack
from tests.integration.routing.cases import submitted

pytestmark = pytest.mark.integration

COMMUNITY = "451102001001"


async def routed(stack: Stack, runtime: RoutingRuntime, cache: handlers.RoutingCache) -> str:
    event = submitted(kind="dispute", category="邻里纠纷", grid_code=f"{COMMUNITY}002")
    async with runtime.uow() as uow:
        await handlers.assign_submitted_cases(uow, [Received.read(CaseSubmittedV1, event)], cache)
        await uow.commit()
    return str(event.data["case_id"])


def decision(case_id: str, assignee: str, unit: str = COMMUNITY) -> MeetingDecisionRecordedV1:
    return MeetingDecisionRecordedV1(
        decision_id=str(uuid.uuid4()),
        meeting_id=str(uuid.uuid4()),
        case_id=case_id,
        action="assign",
        meeting_unit_code=unit,
        meeting_unit_level="community",
        period="2026-12",
        assignee_id=assignee,
        decided_by="op-community",
        decided_at=datetime.now(UTC),
    )


async def apply(
    runtime: RoutingRuntime, cache: handlers.RoutingCache, decided: MeetingDecisionRecordedV1
) -> str | None:
    async with runtime.uow() as uow:
        result = await assign_by_meeting(uow, cache, decided)
        await uow.commit()
    return result


async def active(stack: Stack, case_id: str) -> dict[str, Any]:
    [row] = await stack.sql(
        "SELECT assignment_id, assignee_id, unit_code, trigger, supersedes, explanation"
        " FROM routing.assignments WHERE case_id = $1 AND active",
        case_id,
    )
    return dict(row)


async def load(stack: Stack, staff_id: str) -> int:
    [row] = await stack.sql("SELECT open_cases FROM routing.staff WHERE staff_id = $1", staff_id)
    return int(row["open_cases"])


async def test_a_meeting_assigns_the_case_to_the_named_staff_member(stack: Stack) -> None:
    runtime = stack.runtime("routing")
    await runtime.start(consumers=False, relay=False)
    cache = handlers.RoutingCache()
    case_id = await routed(stack, runtime, cache)
    before = await active(stack, case_id)
    holder = before["assignee_id"]
    named = next(s for s in ("go-001", "go-003") if s != holder)
    holder_load, named_load = await load(stack, holder), await load(stack, named)

    assignment = await apply(runtime, cache, decision(case_id, named))

    after = await active(stack, case_id)
    assert after["assignment_id"] == assignment
    assert (after["assignee_id"], after["trigger"], after["supersedes"]) == (
        named,
        "meeting_decision",
        before["assignment_id"],
    )
    assert after["unit_code"].startswith(COMMUNITY)
    assert orjson.loads(after["explanation"])["trigger_reason"] == "例会决定"
    assert await load(stack, holder) == holder_load - 1
    assert await load(stack, named) == named_load + 1
    [envelope] = await stack.sql(
        "SELECT envelope FROM routing.outbox WHERE key = $1 AND type = $2 ORDER BY id DESC LIMIT 1",
        case_id,
        "cn.gridcase.case.assigned.v1",
    )
    event = orjson.loads(envelope["envelope"])["data"]
    assert (event["assignee_id"], event["trigger"], event["trigger_reason"]) == (
        named,
        "meeting_decision",
        "例会决定",
    )

    # Someone outside the community (the district's operator) is not the community
    # meeting's to name; the holder named again changes nothing.
    assert await apply(runtime, cache, decision(case_id, "op-district")) is None
    assert await apply(runtime, cache, decision(case_id, named)) is None
    assert (await active(stack, case_id))["assignment_id"] == assignment
