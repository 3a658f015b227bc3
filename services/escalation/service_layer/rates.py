"""The rates' projection fed from the case stream (``adapters/rate_facts.py``): part
of escalation's one consumer of the case topic, applied after the clocks in the same
transaction so the due times it copies are the clocks' own.

Consumer handler: never commits. A replay or duplicate changes nothing.
"""

from __future__ import annotations

from typing import Any

from services.escalation.adapters.rate_facts import RateFactsRepository, empty_facts, fold
from services.escalation.adapters.report_repository import ReportRepository
from services.escalation.domain.rates import RESPONDING_STEPS
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import CaseWorkStepV1
from shared.events.routing import CaseAssignedV1

CaseEvent = CaseSubmittedV1 | CaseAssignedV1 | CaseWorkStepV1
CLOSING_STEPS = frozenset({"closed", "report-closed"})


def facts_of(event: CaseEvent) -> dict[str, Any]:
    """What one event tells the rates (names of ``rate_facts`` columns)."""
    if isinstance(event, CaseSubmittedV1):
        return {"category": event.category, "kind": event.kind}
    if isinstance(event, CaseAssignedV1):
        return {"unit_code": event.unit_code, "unit_at": event.assigned_at}
    facts: dict[str, Any] = {
        "kind": event.kind,
        "unit_code": event.unit_code,
        "unit_at": event.occurred_at,
    }
    if event.step in RESPONDING_STEPS:
        facts["responded_at"] = getattr(event, "accepted_at", None) or event.occurred_at
    if event.kind == "dispute" and event.step == "accepted":
        facts["mediation_accepted_at"] = getattr(event, "accepted_at", None) or event.occurred_at
    if event.step in CLOSING_STEPS:
        facts["closed_at"] = event.occurred_at
        facts["close_result"] = getattr(event, "result", None)
    return facts


async def apply_rate_facts(uow: UnitOfWork, events: list[CaseEvent]) -> None:
    case_ids = await merge_rate_facts(uow, events)
    await RateFactsRepository(uow.connection).refresh_due_times(case_ids)


async def merge_rate_facts(uow: UnitOfWork, events: list[CaseEvent]) -> list[str]:
    """The events' facts merged, without the clocks' due times (a rebuild copies those
    once at its end: ``refresh_every_case``); the cases merged."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        fold(rows.setdefault(event.case_id, empty_facts(event.case_id)), facts_of(event))
    await RateFactsRepository(uow.connection).merge(list(rows.values()))
    return sorted(rows)


async def refresh_every_case(uow: UnitOfWork) -> None:
    """After a rebuild's last batch: every case's due times from the clocks as they
    stand, and its report area from the rebuilt report (what the live consumer copies
    batch by batch; both are copies of current rows, so copying once gives the same)."""
    await RateFactsRepository(uow.connection).refresh_every_case()


async def refresh_due_times(uow: UnitOfWork, case_ids: list[str]) -> None:
    """After a command moved these cases' clocks outside the case stream (an approved
    extension, a pause or resume, a calendar correction): the rates judge by the moved
    due times, as they would after the cases' next event. Waits while a rebuild of the
    report's tables runs (it rebuilds these facts too, copying the clocks as they stand)."""
    if not case_ids:
        return
    await ReportRepository(uow.connection).wait_for_rebuild()
    await RateFactsRepository(uow.connection).refresh_due_times(sorted(set(case_ids)))


async def apply_report_areas(uow: UnitOfWork, case_ids: list[str]) -> None:
    """After the monthly report has folded the same events (or a screening return that
    places the disputes it found): the cases' report areas, so that the report reads
    its time-limit counts from the rate facts alone (one table, no join)."""
    await RateFactsRepository(uow.connection).copy_report_areas(sorted(set(case_ids)))
