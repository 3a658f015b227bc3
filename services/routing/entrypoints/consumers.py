"""Routing's event consumers: they translate events and call handlers."""

from __future__ import annotations

from services.routing.service_layer import colleague_handover, handlers
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import (
    CaseHandedToColleagueV1,
    MediatorRefusedV1,
    ReportHandedOverV1,
)
from shared.messaging.received import Received, read_payload
from shared.messaging.specs import ConsumerSpec

# A case waits up to this long for others to be routed with it: under load, a
# transaction and an offset commit for many cases instead of one for every few.
ROUTING_GATHER_MS = 20


def case_consumer(cache: handlers.RoutingCache) -> ConsumerSpec:
    async def on_submitted_batch(uow: UnitOfWork, events: list[CloudEvent]) -> None:
        submitted = [Received.read(CaseSubmittedV1, event) for event in events]
        await handlers.assign_submitted_cases(uow, submitted, cache)

    async def on_handler_refused(uow: UnitOfWork, event: CloudEvent) -> None:
        refused = read_payload(MediatorRefusedV1, event)
        await handlers.replace_refused_handler(uow, cache, refused)

    async def on_report_handed_over(uow: UnitOfWork, event: CloudEvent) -> None:
        handed_over = read_payload(ReportHandedOverV1, event)
        await handlers.hand_over_report(uow, cache, handed_over)

    async def on_handed_to_colleague(uow: UnitOfWork, event: CloudEvent) -> None:
        asked = read_payload(CaseHandedToColleagueV1, event)
        await colleague_handover.hand_to_colleague(uow, cache, asked)

    return ConsumerSpec(
        name="case-router",
        topics=[topics.CASE],
        handlers={
            MediatorRefusedV1.event_type: on_handler_refused,
            ReportHandedOverV1.event_type: on_report_handed_over,
            CaseHandedToColleagueV1.event_type: on_handed_to_colleague,
        },
        batch_handlers={CaseSubmittedV1.event_type: on_submitted_batch},
        gather_ms=ROUTING_GATHER_MS,
    )
