"""Routing's consumer of the cycle topic (``gridcase.cycle.v1``): what escalation
decides about a case's place in the tree. One consumer group for the topic; each
concern adds its handlers to ``CYCLE_HANDLERS`` by event type (an escalation up the
tree, a meeting's decision), so a message nobody can read is
dead-lettered once."""

from __future__ import annotations

from collections.abc import Callable

from services.routing.service_layer import handlers, meeting_decisions
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import CaseEscalatedV1, MeetingDecisionRecordedV1
from shared.messaging.consumer import Handler
from shared.messaging.received import read_payload
from shared.messaging.specs import ConsumerSpec

CycleHandler = Callable[[handlers.RoutingCache], Handler]


def _on_case_escalated(cache: handlers.RoutingCache) -> Handler:
    async def on_case_escalated(uow: UnitOfWork, event: CloudEvent) -> None:
        await handlers.apply_case_escalated(uow, cache, read_payload(CaseEscalatedV1, event))

    return on_case_escalated


def _on_meeting_decision(cache: handlers.RoutingCache) -> Handler:
    async def on_meeting_decision(uow: UnitOfWork, event: CloudEvent) -> None:
        decided = read_payload(MeetingDecisionRecordedV1, event)
        await meeting_decisions.assign_by_meeting(uow, cache, decided)

    return on_meeting_decision


# Event type → a handler built with the process's routing cache.
CYCLE_HANDLERS: dict[str, CycleHandler] = {
    CaseEscalatedV1.event_type: _on_case_escalated,
    MeetingDecisionRecordedV1.event_type: _on_meeting_decision,
}


def cycle_consumer(cache: handlers.RoutingCache) -> ConsumerSpec:
    return ConsumerSpec(
        name="cycle-router",
        topics=[topics.CYCLE],
        handlers={event_type: make(cache) for event_type, make in CYCLE_HANDLERS.items()},
    )


__all__ = ["CYCLE_HANDLERS", "cycle_consumer"]
