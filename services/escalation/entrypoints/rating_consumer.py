"""Escalation's handling of residents' ratings (``case.rated``, from intake), part of
its one consumer of the case topic (``consumers.clock_consumer``): one consumer group
per topic, so a message nobody can read is dead-lettered once."""

from __future__ import annotations

from services.escalation.service_layer import monthly_report
from services.escalation.service_layer.ratings import apply_ratings
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseRatedV1
from shared.messaging.consumer import BatchHandler
from shared.messaging.received import read_payload


async def _on_rated(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    await monthly_report.wait_for_rebuild(uow)  # the rates' facts are rebuilt with it
    await apply_ratings(uow, [read_payload(CaseRatedV1, e) for e in events])


RATING_HANDLERS: dict[str, BatchHandler] = {CaseRatedV1.event_type: _on_rated}
