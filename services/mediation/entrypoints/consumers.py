"""Mediation's case-stream consumer."""

from __future__ import annotations

from services.mediation.service_layer import handlers
from shared.events import topics
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

FOLDED = (CaseSubmittedV1.event_type, CaseAssignedV1.event_type)


def case_view_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-view",
        topics=[topics.CASE],
        # One handler for both types: a batch's interleaved events fold together.
        batch_handlers=dict.fromkeys(FOLDED, handlers.fold_case_events),
        gather_ms=VIEW_GATHER_MS,
    )
