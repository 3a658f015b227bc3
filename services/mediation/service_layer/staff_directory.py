"""Keep mediation's copy of who serves which unit from routing's registry events
(event-carried state transfer: mediation never calls routing to decide). The consumer
commits."""

from __future__ import annotations

from services.mediation.adapters import staff_directory
from shared.db.unit_of_work import UnitOfWork
from shared.events.routing import StaffRemovedV1, StaffUpsertedV1


async def apply_staff_upserted(uow: UnitOfWork, upserted: StaffUpsertedV1) -> None:
    await staff_directory.upsert(
        uow.connection,
        staff_id=upserted.staff_id,
        name=upserted.name,
        role=upserted.role,
        unit_codes=[upserted.unit_code, *upserted.covers],
        active=upserted.active,
        changed_at=upserted.changed_at,
    )


async def apply_staff_removed(uow: UnitOfWork, removed: StaffRemovedV1) -> None:
    await staff_directory.remove(uow.connection, removed.staff_id, removed.changed_at)
