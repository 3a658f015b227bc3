"""Mediation's case-stream consumer: reads each event into its payload model and
hands the batch to the fold (the view) or to the ratings."""

from __future__ import annotations

from services.mediation.entrypoints.rating_consumer import RATING_HANDLERS
from services.mediation.service_layer import handlers
from services.mediation.service_layer.handlers import CaseEvent
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import Received
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

FOLDED = (CaseSubmittedV1.event_type, CaseAssignedV1.event_type)


def read_case_event(event: CloudEvent) -> CaseEvent:
    if event.type == CaseSubmittedV1.event_type:
        return Received.read(CaseSubmittedV1, event)
    return Received.read(CaseAssignedV1, event)


async def _fold(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await handlers.fold_case_events(uow, [read_case_event(event) for event in events])


def case_view_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-view",
        topics=[topics.CASE],
        # One handler for both types: a batch's interleaved events fold together.
        batch_handlers={**dict.fromkeys(FOLDED, _fold), **RATING_HANDLERS},
        gather_ms=VIEW_GATHER_MS,
    )
