"""Escalation's screening consumers: its own view of the registry's units (to know
every district's grids) and the returns intake announces."""

from __future__ import annotations

from services.escalation.service_layer import monthly_report, screening
from services.escalation.service_layer.rates import apply_report_areas
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import ScreeningReturnFiledV1
from shared.events.routing import UnitRemovedV1, UnitUpsertedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import ConsumerSpec


def registry_view_consumer() -> ConsumerSpec:
    """Event-carried state transfer: escalation keeps its own copy of the units."""

    async def on_upserted(uow: UnitOfWork, event: CloudEvent) -> None:
        await screening.apply_unit_upserted(uow, read_payload(UnitUpsertedV1, event))

    async def on_removed(uow: UnitOfWork, event: CloudEvent) -> None:
        await screening.apply_unit_removed(uow, read_payload(UnitRemovedV1, event))

    return ConsumerSpec(
        name="registry-view",
        topics=[topics.REGISTRY],
        handlers={
            UnitUpsertedV1.event_type: on_upserted,
            UnitRemovedV1.event_type: on_removed,
        },
    )


def screening_returns_consumer() -> ConsumerSpec:
    async def on_filed(uow: UnitOfWork, event: CloudEvent) -> None:
        filed = read_payload(ScreeningReturnFiledV1, event)
        await monthly_report.wait_for_rebuild(uow)  # before any row lock is taken
        await screening.apply_return_filed(uow, filed)
        await monthly_report.apply_return_filed(uow, filed)  # 零报告 in the monthly report
        await apply_report_areas(uow, filed.case_ids)  # the disputes it placed

    return ConsumerSpec(
        name="screening-returns",
        topics=[topics.CYCLE],
        handlers={ScreeningReturnFiledV1.event_type: on_filed},
    )
