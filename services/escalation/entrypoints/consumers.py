"""Escalation's case-stream consumer: reads each event into its payload model."""

from __future__ import annotations

from services.escalation.entrypoints.rating_consumer import RATING_HANDLERS
from services.escalation.service_layer import handlers, meeting_view, monthly_report
from services.escalation.service_layer.rates import apply_rate_facts, apply_report_areas
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP, CaseWorkStepV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

# Every case-work step's type (the report steps join when their payloads land in BY_STEP
# or beside it; domain/stages.py says what each step does to the clocks).
STEP_TYPES: dict[str, type[CaseWorkStepV1]] = {p.event_type: p for p in BY_STEP.values()}
HANDLED = (CaseSubmittedV1.event_type, CaseAssignedV1.event_type, *STEP_TYPES)


def read_case_event(event: CloudEvent) -> handlers.CaseEvent:
    if event.type == CaseSubmittedV1.event_type:
        return read_payload(CaseSubmittedV1, event)
    if event.type == CaseAssignedV1.event_type:
        return read_payload(CaseAssignedV1, event)
    return read_payload(STEP_TYPES[event.type], event)


def clock_consumer() -> ConsumerSpec:
    async def apply_batch(uow: UnitOfWork, events: list[CloudEvent]) -> None:
        cases = [read_case_event(e) for e in events]
        await monthly_report.wait_for_rebuild(uow)  # before any row lock is taken
        await handlers.apply_case_events(uow, cases)
        # The rates' facts, after the clocks whose due times they copy (same transaction).
        await apply_rate_facts(uow, cases)
        await meeting_view.apply_case_events(uow, cases)  # the meetings' agenda facts
        # The monthly report (月报告) counts from the same events (one consumer per topic).
        await monthly_report.apply_case_events(uow, cases)
        await apply_report_areas(uow, [case.case_id for case in cases])  # the report's areas

    return ConsumerSpec(
        name="case-clocks",
        topics=[topics.CASE],
        batch_handlers={**dict.fromkeys(HANDLED, apply_batch), **RATING_HANDLERS},
        gather_ms=VIEW_GATHER_MS,
    )
