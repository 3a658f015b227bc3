"""Intake's screening consumer: the tasks escalation opens, for the grids' phones."""

from __future__ import annotations

from services.intake.service_layer import screening
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import ScreeningTaskOpenedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import ConsumerSpec


def screening_tasks_consumer() -> ConsumerSpec:
    async def on_opened(uow: UnitOfWork, event: CloudEvent) -> None:
        await screening.apply_task_opened(uow, read_payload(ScreeningTaskOpenedV1, event))

    return ConsumerSpec(
        name="screening-tasks",
        topics=[topics.CYCLE],
        handlers={ScreeningTaskOpenedV1.event_type: on_opened},
    )
