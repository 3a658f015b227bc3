"""Mediation's one consumer of the registry topic (``gridcase.registry.v1``): the staff
directory the handover within the committee (委员会内转交) chooses from. The topic's
other events (units, the routing policy) are not mediation's and are passed over."""

from __future__ import annotations

from services.mediation.service_layer import staff_directory
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.routing import StaffRemovedV1, StaffUpsertedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import ConsumerSpec


async def _on_upserted(uow: UnitOfWork, event: CloudEvent) -> None:
    await staff_directory.apply_staff_upserted(uow, read_payload(StaffUpsertedV1, event))


async def _on_removed(uow: UnitOfWork, event: CloudEvent) -> None:
    await staff_directory.apply_staff_removed(uow, read_payload(StaffRemovedV1, event))


def registry_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="staff-directory",
        topics=[topics.REGISTRY],
        handlers={
            StaffUpsertedV1.event_type: _on_upserted,
            StaffRemovedV1.event_type: _on_removed,
        },
    )
