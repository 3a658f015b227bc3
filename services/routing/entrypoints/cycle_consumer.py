"""Routing's consumer of the cycle topic (``gridcase.cycle.v1``): the decisions of
escalation's time and meeting cycle that move a case to another handler. One table of
handlers keyed by event type (one consumer group per service and topic)."""

from __future__ import annotations

from services.routing.service_layer import meeting_decisions
from services.routing.service_layer.handlers import RoutingCache
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import MeetingDecisionRecordedV1
from shared.messaging.consumer import Handler
from shared.messaging.received import read_payload
from shared.messaging.specs import ConsumerSpec


def cycle_handlers(cache: RoutingCache) -> dict[str, Handler]:
    async def on_meeting_decision(uow: UnitOfWork, event: CloudEvent) -> None:
        decided = read_payload(MeetingDecisionRecordedV1, event)
        await meeting_decisions.assign_by_meeting(uow, cache, decided)

    return {MeetingDecisionRecordedV1.event_type: on_meeting_decision}


def cycle_consumer(cache: RoutingCache) -> ConsumerSpec:
    return ConsumerSpec(name="cycle-router", topics=[topics.CYCLE], handlers=cycle_handlers(cache))
