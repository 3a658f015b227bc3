"""The case facts a meeting's agenda needs (``meeting_cases``), kept from the case
stream by escalation's one consumer of the case topic (``consumers.clock_consumer``):
the submission's number, category, masked title, risk signals, people involved, grid
and time; the current unit and handler from each assignment; the case-work state from
each step. The consumer commits."""

from __future__ import annotations

from typing import Any

from services.escalation.adapters.meeting_repository import MeetingCaseView
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import CaseWorkStepV1
from shared.events.routing import CaseAssignedV1

CaseEvent = CaseSubmittedV1 | CaseAssignedV1 | CaseWorkStepV1


async def apply_case_events(uow: UnitOfWork, cases: list[CaseEvent]) -> None:
    """Submissions first (a case's submission precedes its assignments on its key),
    then the moves in order."""
    view = MeetingCaseView(uow.connection)
    submitted = [
        {
            "case_id": c.case_id,
            "case_number": c.case_number,
            "kind": c.kind,
            "category": c.category,
            "title": c.title,
            "risk_signals": list(c.risk_signals),
            "people_involved": c.people_involved,
            "grid_code": c.grid_code,
            "submitted_at": c.submitted_at,
            "changed_at": c.submitted_at,
        }
        for c in cases
        if isinstance(c, CaseSubmittedV1)
    ]
    moves: list[dict[str, Any]] = []
    for c in cases:
        if isinstance(c, CaseAssignedV1):
            moves.append(
                {
                    "b_case_id": c.case_id,
                    "b_unit_code": c.unit_code,
                    "b_unit_level": c.unit_level,
                    "b_handler_id": c.assignee_id,
                    "b_state": None,
                    "b_changed_at": c.assigned_at,
                }
            )
        elif isinstance(c, CaseWorkStepV1):
            moves.append(
                {
                    "b_case_id": c.case_id,
                    "b_unit_code": c.unit_code,
                    "b_unit_level": None,
                    "b_handler_id": c.handler_id,
                    "b_state": c.state,
                    "b_changed_at": c.occurred_at,
                }
            )
    await view.add_cases(submitted)
    await view.move(moves)
