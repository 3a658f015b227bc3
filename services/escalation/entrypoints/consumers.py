"""Escalation's case-stream consumer: reads each event into its payload model."""

from __future__ import annotations

from services.escalation.domain.calendar import WorkingCalendar
from services.escalation.domain.clocks import load_limits
from services.escalation.service_layer import handlers
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

HANDLED = (CaseSubmittedV1.event_type, CaseAssignedV1.event_type)


def read_case_event(event: CloudEvent) -> CaseSubmittedV1 | CaseAssignedV1:
    if event.type == CaseSubmittedV1.event_type:
        return read_payload(CaseSubmittedV1, event)
    return read_payload(CaseAssignedV1, event)


def clock_consumer() -> ConsumerSpec:
    calendar = WorkingCalendar.load()
    limits = load_limits()

    async def apply_batch(uow: UnitOfWork, events: list[CloudEvent]) -> None:
        await handlers.apply_case_events(
            uow, [read_case_event(e) for e in events], calendar, limits
        )

    return ConsumerSpec(
        name="case-clocks",
        topics=[topics.CASE],
        batch_handlers=dict.fromkeys(HANDLED, apply_batch),
        gather_ms=VIEW_GATHER_MS,
    )
