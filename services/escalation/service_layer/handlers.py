"""Escalation handlers: remember each case's category; open the accept clock on assignment.

A consumer batch is applied in order with a few statements: the categories the batch
needs are read once, the events walked in order against them (a submission names its
case's category, the first assignment starts the 受理 clock with the category known at
that point), and the new rows written together. The first category and the first
clock win, as they do one event at a time.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.escalation.adapters.repository import ClockRepository
from services.escalation.domain.calendar import WorkingCalendar
from services.escalation.domain.clocks import StageLimit, plan_clock
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


async def apply_case_events(
    uow: UnitOfWork,
    cases: list[CaseSubmittedV1 | CaseAssignedV1],
    calendar: WorkingCalendar,
    limits: dict[str, dict[str, StageLimit]],
) -> None:
    """``case.submitted`` and ``case.assigned`` payloads, in order."""
    repo = ClockRepository(uow.connection)
    known = await repo.categories(sorted({case.case_id for case in cases}))
    new_categories: list[dict[str, Any]] = []
    new_clocks: list[dict[str, Any]] = []
    for case in cases:
        if isinstance(case, CaseSubmittedV1):
            if case.case_id not in known:
                known[case.case_id] = case.category
                new_categories.append({"case_id": case.case_id, "category": case.category})
        else:
            new_clocks.append(_accept_clock(case, known, calendar, limits))
    await repo.add_categories(new_categories)
    await repo.add_clocks(new_clocks)


def _accept_clock(
    case: CaseAssignedV1,
    known: dict[str, str],
    calendar: WorkingCalendar,
    limits: dict[str, dict[str, StageLimit]],
) -> dict[str, Any]:
    """The 受理 clock a case's assignment starts (only the first one is kept)."""
    category = known.get(case.case_id) or "default"
    plan = plan_clock(calendar, limits, category, "accept", case.assigned_at)
    return {
        "clock_id": str(uuid.uuid4()),
        "case_id": case.case_id,
        "stage": plan.stage,
        "category": category,
        "unit_code": case.unit_code,
        "status": "running",
        "started_at": plan.started_at,
        "due_at": plan.due_at,
        "yellow_at": plan.yellow_at,
        "red_at": plan.red_at,
    }
