"""Intake's consumers: the registry mirror and the case status it shows reporters."""

from __future__ import annotations

from services.intake.service_layer import handlers
from services.intake.service_layer.reference import ReferenceCache
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec


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


async def _on_assigned(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await handlers.apply_cases_assigned(uow, [read_payload(CaseAssignedV1, e) for e in events])


def case_status_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-status",
        topics=[topics.CASE],
        batch_handlers={CaseAssignedV1.event_type: _on_assigned},
        gather_ms=VIEW_GATHER_MS,
    )
