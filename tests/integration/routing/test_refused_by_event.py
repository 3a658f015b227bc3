"""Mediation's ``mediator-refused`` event reroutes a case as the 回避 route does
(People's Mediation Law arts. 19, 23), through routing's case consumer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.routing.entrypoints.consumers import case_consumer
from shared.events.envelope import CloudEvent
from shared.events.mediation import MediatorRefusedV1
from tests.integration.routing.cases import active, assigned_events, decisions, inside, submit
from tests.integration.routing.conftest import RoutingWorld

pytestmark = pytest.mark.integration

GRID = "451102002003005"


def refused(case_id: str, staff_id: str, **extra: object) -> CloudEvent:
    payload = MediatorRefusedV1(
        case_id=case_id,
        unit_code="451102002003",
        handler_id=staff_id,
        step="mediator-refused",
        state="in_mediation",
        previous_state="in_mediation",
        actor_id=staff_id,
        actor_role="mediator",
        occurred_at=datetime.now(UTC),
        file_version=2,
        staff_id=staff_id,
        by="party",
    )
    return CloudEvent(
        source="/gridcase/mediation",
        type=payload.event_type,
        partitionkey=case_id,
        data={**payload.model_dump(mode="json"), **extra},
    )


async def apply(world: RoutingWorld, event: CloudEvent) -> None:
    handler = case_consumer(world.runtime.state.routing_cache).handlers[event.type]
    async with world.runtime.uow() as uow:
        await handler(uow, event)
        await uow.commit()


async def test_a_refusal_event_excludes_the_mediator_and_reroutes_once(
    world: RoutingWorld,
) -> None:
    case_id = await submit(world, kind="dispute", category="物业管理", point=inside(world, GRID))
    first = (await active(world, case_id))["assignee_id"]
    # A newer mediation may add fields; this routing reads what it knows.
    await apply(world, refused(case_id, first, added_later="ignored"))
    second = await active(world, case_id)
    assert second["trigger"] == "recusal"
    assert second["assignee_id"] not in (None, first)
    reasons = {c["staff_id"]: c["reason"] for c in second["explanation"]["candidates"]}
    assert "回避" in reasons[first]
    # The same refusal again (no longer their case): nothing more happens.
    await apply(world, refused(case_id, first))
    assert len(await decisions(world, case_id)) == 2
    assert [e["trigger"] for e in await assigned_events(world, case_id)] == [
        "submitted",
        "recusal",
    ]
