"""Mediation's case-stream consumer."""

from __future__ import annotations

from services.mediation.service_layer import handlers
from shared.events import topics
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.runtime import ConsumerSpec


def case_view_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-view",
        topics=[topics.CASE],
        handlers={
            CaseSubmittedV1.event_type: handlers.on_case_submitted,
            CaseAssignedV1.event_type: handlers.on_case_assigned,
        },
    )
