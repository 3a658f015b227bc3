"""Intake's consumers: the registry mirror and the case status it shows reporters."""

from __future__ import annotations

import shared.events.mediation
from services.intake.service_layer import handlers, progress
from services.intake.service_layer.reference import ReferenceCache
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.catalog import payloads_defined_in
from shared.events.envelope import CloudEvent
from shared.events.mediation import CaseWorkStepV1
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

# Every case-work step mediation publishes, disputes' and situation reports' alike:
# intake reads only the fields they share (state, unit, time limit).
CASE_WORK_TYPES = tuple(
    p.event_type
    for p in payloads_defined_in(shared.events.mediation)
    if issubclass(p, CaseWorkStepV1)
)


def registry_consumer(reference: ReferenceCache) -> ConsumerSpec:
    """Event-carried state transfer: intake keeps its own copy of units and boundaries."""

    async def on_upserted(uow: UnitOfWork, event: CloudEvent) -> None:
        await handlers.apply_unit_upserted(uow, read_payload(UnitUpsertedV1, event))
        reference.invalidate()

    async def on_removed(uow: UnitOfWork, event: CloudEvent) -> None:
        await handlers.apply_unit_removed(uow, read_payload(UnitRemovedV1, event))
        reference.invalidate()

    return ConsumerSpec(
        name="registry-mirror",
        topics=[topics.REGISTRY],
        handlers={
            UnitUpsertedV1.event_type: on_upserted,
            UnitRemovedV1.event_type: on_removed,
        },
    )


def read_case_event(event: CloudEvent) -> progress.CaseEvent:
    if event.type == CaseAssignedV1.event_type:
        return read_payload(CaseAssignedV1, event)
    return read_payload(CaseWorkStepV1, event)


async def _on_case_events(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await progress.apply_case_events(uow, [read_case_event(e) for e in events])


def case_status_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-status",
        topics=[topics.CASE],
        # One handler for all: a batch's interleaved events fold together, in order.
        batch_handlers=dict.fromkeys(
            (CaseAssignedV1.event_type, *CASE_WORK_TYPES), _on_case_events
        ),
        gather_ms=VIEW_GATHER_MS,
    )
