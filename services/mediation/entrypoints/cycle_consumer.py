"""Mediation's one consumer of the cycle topic (``gridcase.cycle.v1``): escalation's
clock notices about cases, for the dashboard's cards and timeline.

Table-driven: each event type that concerns a case's clock is one row of
``CLOCK_EVENTS`` (its payload model and what mediation calls the notice, a row of
``domain.clocks.NOTICES``); the topic's other events (screening tasks) are not
mediation's and are passed over by the consumer.
"""

from __future__ import annotations

from services.mediation.domain.clocks import RED_CARD, WARNED, YELLOW_CARD, ClockNotice
from services.mediation.service_layer.clocks import apply_clock_notices
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    ClockNoticeV1,
    ClockWarnedV1,
    RedCardIssuedV1,
    YellowCardIssuedV1,
)
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

CLOCK_EVENTS: dict[str, tuple[type[ClockNoticeV1], str]] = {
    ClockWarnedV1.event_type: (ClockWarnedV1, WARNED),
    YellowCardIssuedV1.event_type: (YellowCardIssuedV1, YELLOW_CARD),
    RedCardIssuedV1.event_type: (RedCardIssuedV1, RED_CARD),
}


def read_clock_notice(event: CloudEvent) -> ClockNotice:
    model, notice = CLOCK_EVENTS[event.type]
    p = read_payload(model, event)
    return ClockNotice(
        notice,
        p.clock_id,
        p.case_id,
        p.stage,
        p.due_at,
        p.yellow_at,
        p.red_at,
        p.fired_at,
        p.handler_id,
    )


async def _on_clock_notices(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await apply_clock_notices(uow, [read_clock_notice(e) for e in events])


def cycle_view_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="cycle-view",
        topics=[topics.CYCLE],
        # One handler for every clock notice: a batch's notices fold together, in order.
        batch_handlers=dict.fromkeys(CLOCK_EVENTS, _on_clock_notices),
        gather_ms=VIEW_GATHER_MS,
    )
