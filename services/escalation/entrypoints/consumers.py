"""Escalation's case-stream consumer."""

from __future__ import annotations

from services.escalation.domain.calendar import WorkingCalendar
from services.escalation.domain.clocks import load_limits
from services.escalation.service_layer import handlers
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.runtime import ConsumerSpec


def clock_consumer() -> ConsumerSpec:
    calendar = WorkingCalendar.load()
    limits = load_limits()

    async def on_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
        await handlers.open_accept_clock(uow, event, calendar, limits)

    return ConsumerSpec(
        name="case-clocks",
        topics=[topics.CASE],
        handlers={
            CaseSubmittedV1.event_type: handlers.on_case_submitted,
            CaseAssignedV1.event_type: on_assigned,
        },
    )
