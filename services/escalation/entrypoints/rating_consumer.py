"""Escalation's consumer of residents' ratings (``case.rated``, from intake)."""

from __future__ import annotations

from services.escalation.service_layer.ratings import apply_ratings
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseRatedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec


async def _on_rated(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await apply_ratings(uow, [read_payload(CaseRatedV1, e) for e in events])


def rating_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="case-ratings",
        topics=[topics.CASE],
        batch_handlers={CaseRatedV1.event_type: _on_rated},
        gather_ms=VIEW_GATHER_MS,
    )
