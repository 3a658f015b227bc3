"""Mediation handlers: fold case events into the mediation service's own case view.

The view is a projection: each event sets some of a case's columns and moves its
status forward (never back, if events are replayed out of order). A consumer batch is
folded in memory, in order, and written with one upsert per shape of row, so a batch
of events costs a few round trips instead of two per event.
"""

from __future__ import annotations

from typing import Any

from services.mediation.adapters import case_deadlines
from services.mediation.adapters.assignment_notices import AssignmentNotice, notify_assigned
from services.mediation.adapters.repository import CaseViewRepository
from services.mediation.domain.case_status import ASSIGNED, SUBMITTED, advanced
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import Received

CaseEvent = Received[CaseSubmittedV1] | Received[CaseAssignedV1]


def _change(event: CaseEvent) -> tuple[str, str, dict[str, Any]]:
    """The case an event is about, the status it moves to, and the columns it sets."""
    payload = event.payload
    if isinstance(payload, CaseSubmittedV1):
        return (
            payload.case_id,
            SUBMITTED,
            {
                "case_number": payload.case_number,
                "kind": payload.kind,
                "category": payload.category,
                "title": payload.title,
                "reporter_id": payload.reporter_staff_id,
                "risk_signals": list(payload.risk_signals),
                "people_involved": payload.people_involved,
                "submitted_at": payload.submitted_at,
                "updated_at": event.time,
            },
        )
    return (
        payload.case_id,
        ASSIGNED,
        {
            "unit_code": payload.unit_code,
            "unit_name": payload.unit_name,
            "assignee_id": payload.assignee_id,
            "assignee_name": payload.assignee_name,
            "assignee_role": payload.assignee_role,
            "co_handler_ids": [
                p.staff_id for p in payload.participants if p.involvement == "co_handler"
            ],
            "assigned_at": payload.assigned_at,
            "updated_at": event.time,
        },
    )


def _count_changes(
    before: dict[str, tuple[str, str | None]], folded: dict[str, dict[str, Any]]
) -> dict[tuple[str, str], int]:
    """How the counts by (unit, status) move: each case leaves its old key and joins the
    one its row now has ('' for no unit)."""
    deltas: dict[tuple[str, str], int] = {}
    for case_id, row in folded.items():
        old_status, old_unit = before.get(case_id, (None, None))
        new = (row.get("unit_code", old_unit) or "", row["status"])
        if old_status is not None:
            old = (old_unit or "", old_status)
            if old == new:
                continue
            deltas[old] = deltas.get(old, 0) - 1
        deltas[new] = deltas.get(new, 0) + 1
    return deltas


async def fold_case_events(uow: UnitOfWork, events: list[CaseEvent]) -> None:
    """Apply case events in order: the cases' rows are locked and read once, the events
    folded per case, and the results upserted."""
    repo = CaseViewRepository(uow.connection)
    changes = [_change(event) for event in events]
    before = await repo.lock_statuses(list({case_id for case_id, _, _ in changes}))
    status = {case_id: s for case_id, (s, _) in before.items()}
    folded: dict[str, dict[str, Any]] = {}
    for case_id, moves_to, values in changes:
        status[case_id] = advanced(status.get(case_id), moves_to)
        folded.setdefault(case_id, {"case_id": case_id}).update(values, status=status[case_id])
    await repo.upsert(list(folded.values()))
    # A case's clocks may have been heard before its row existed.
    await case_deadlines.refresh(uow.connection, [c for c in folded if c not in before])
    await repo.count(_count_changes(before, folded))
    # The live dashboard: delivered by PostgreSQL at commit, to every mediation process.
    await notify_assigned(
        uow.connection,
        [
            AssignmentNotice(case_id, values["assignee_id"], values["unit_code"])
            for case_id, moves_to, values in changes
            if moves_to == ASSIGNED
        ],
    )
