"""Mediation handlers: fold case events into the mediation service's own case view.

The view is a projection: each event sets some of a case's columns and moves its
status forward (never back, if events are replayed out of order). A consumer batch is
folded in memory, in order, and written with one upsert per shape of row, so a batch
of events costs a few round trips instead of two per event.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert

from services.mediation.adapters.tables import cases
from services.mediation.domain.case_status import ASSIGNED, SUBMITTED, advanced
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


def _change(event: CloudEvent) -> tuple[str, str, dict[str, Any]]:
    """The case an event is about, the status it moves to, and the columns it sets."""
    if event.type == CaseSubmittedV1.event_type:
        submitted = CaseSubmittedV1.read(event.data)
        return (
            submitted.case_id,
            SUBMITTED,
            {
                "case_number": submitted.case_number,
                "kind": submitted.kind,
                "category": submitted.category,
                "title": submitted.title,
                "submitted_at": submitted.submitted_at,
                "updated_at": event.time,
            },
        )
    if event.type == CaseAssignedV1.event_type:
        assigned = CaseAssignedV1.read(event.data)
        return (
            assigned.case_id,
            ASSIGNED,
            {
                "unit_code": assigned.unit_code,
                "unit_name": assigned.unit_name,
                "assignee_id": assigned.assignee_id,
                "assignee_name": assigned.assignee_name,
                "assignee_role": assigned.assignee_role,
                "assigned_at": assigned.assigned_at,
                "updated_at": event.time,
            },
        )
    raise ValueError(f"mediation's case view does not fold {event.type}")


async def fold_case_events(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Apply case events in order: the cases' rows are locked and read once, the events
    folded per case, and the results upserted."""
    changes = [_change(event) for event in events]
    ids = sorted({case_id for case_id, _, _ in changes})
    rows = await uow.connection.execute(_LOCK_CASES, {"ids": ids})
    status: dict[str, str | None] = {row.case_id: row.status for row in rows}
    folded: dict[str, dict[str, Any]] = {}
    for case_id, moves_to, values in changes:
        status[case_id] = advanced(status.get(case_id), moves_to)
        folded.setdefault(case_id, {"case_id": case_id}).update(values, status=status[case_id])
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in folded.values():
        by_shape.setdefault(tuple(sorted(row)), []).append(row)
    for shape, shaped in by_shape.items():
        await uow.connection.execute(_upsert(shape), shaped)


# Built once: the same SQL every time is compiled and prepared once per connection.
_LOCK_CASES = (
    select(cases.c.case_id, cases.c.status)
    .where(cases.c.case_id == any_(bindparam("ids", type_=ARRAY(Text))))
    .order_by(cases.c.case_id)
    .with_for_update()
)


@functools.cache
def _upsert(shape: tuple[str, ...]) -> Insert:
    """Insert or update the ``shape`` columns of the case view."""
    stmt = insert(cases).values({k: bindparam(k) for k in shape})
    return stmt.on_conflict_do_update(
        index_elements=[cases.c.case_id],
        set_={k: stmt.excluded[k] for k in shape if k != "case_id"},
    )
