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

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, insert

from services.escalation.adapters.tables import case_categories, clocks
from services.escalation.domain.calendar import WorkingCalendar
from services.escalation.domain.clocks import StageLimit, plan_clock
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


async def apply_case_events(
    uow: UnitOfWork,
    events: list[CloudEvent],
    calendar: WorkingCalendar,
    limits: dict[str, dict[str, StageLimit]],
) -> None:
    """``case.submitted`` and ``case.assigned`` events, in order."""
    conn = uow.connection
    ids = sorted({str(e.data["case_id"]) for e in events})
    known: dict[str, str] = {
        row.case_id: row.category for row in await conn.execute(_CATEGORIES, {"ids": ids})
    }
    new_categories: list[dict[str, Any]] = []
    new_clocks: list[dict[str, Any]] = []
    for event in events:
        if event.type == CaseSubmittedV1.event_type:
            case = CaseSubmittedV1.read(event.data)
            if case.case_id not in known:
                known[case.case_id] = case.category
                new_categories.append({"case_id": case.case_id, "category": case.category})
        elif event.type == CaseAssignedV1.event_type:
            new_clocks.append(
                _accept_clock(CaseAssignedV1.read(event.data), known, calendar, limits)
            )
        else:
            raise ValueError(f"escalation does not handle {event.type}")
    if new_categories:
        await conn.execute(_ADD_CATEGORY, new_categories)
    if new_clocks:
        await conn.execute(_ADD_CLOCK, new_clocks)


# Built once, and run with a list of rows (one prepared statement, pipelined).
_CATEGORIES = select(case_categories.c.case_id, case_categories.c.category).where(
    case_categories.c.case_id == any_(bindparam("ids", type_=ARRAY(Text)))
)
_ADD_CATEGORY = insert(case_categories).on_conflict_do_nothing()
_ADD_CLOCK = insert(clocks).on_conflict_do_nothing(constraint="uq_clocks_case_stage")


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
