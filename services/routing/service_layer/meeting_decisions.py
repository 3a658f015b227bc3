"""A regular meeting (月例会, seed 001) decided who takes a case over: routing
reassigns it to the named staff member (trigger ``meeting_decision``, reason 例会决定),
ending the active assignment and moving the loads, as every reassignment does.

The meeting is escalation's; the assignment is routing's decision, so routing checks
what only it knows: the person is on its staff register, active, and serves a unit
within the meeting's unit (a community meeting assigns within the community, a street's
within the street). A decision routing cannot apply is logged and left (the meeting's
record keeps it; the operator sees the case unchanged). The consumer commits.
"""

from __future__ import annotations

import uuid

from services.routing.adapters.repository import RoutingRepository
from services.routing.service_layer.handlers import RoutingCache
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import MeetingDecisionRecordedV1
from shared.events.routing import CaseAssignedV1
from shared.logging import get_logger

log = get_logger(__name__)

TRIGGER_REASON = "例会决定"
RULE = "meeting_decision"


async def assign_by_meeting(
    uow: UnitOfWork, cache: RoutingCache, decided: MeetingDecisionRecordedV1
) -> str | None:
    """The new assignment's id, or None when there is nothing to do (not an ``assign``,
    the person already holds it) or it cannot be applied."""
    if decided.action != "assign" or decided.assignee_id is None:
        return None
    repo = RoutingRepository(uow.connection)
    active = await repo.active_assignment(decided.case_id, lock=True)
    if active is None:
        log.info("meeting_assignment_not_applied", case_id=decided.case_id, why="not_routed")
        return None
    if active.assignee_id == decided.assignee_id:
        return None
    member = await repo.staff_member(decided.assignee_id, lock=True)
    snapshot, _ = await cache.current(repo)
    unit = snapshot.units.get(member.unit_code) if member is not None else None
    if (
        member is None
        or unit is None
        or not member.active
        or not any(u.startswith(decided.meeting_unit_code) for u in member.units_served)
    ):
        log.info("meeting_assignment_not_applied", case_id=decided.case_id, why="not_staff_here")
        return None
    now = cache.now()
    participants = [p for p in [active.assignee_id, *active.co_handler_ids] if p]
    await repo.end_assignment(active.assignment_id, f"meeting_decision: {TRIGGER_REASON}", now)
    await repo.change_load(participants, -1)
    assignment_id = str(uuid.uuid4())
    explanation = (
        f"{TRIGGER_REASON}：{decided.period} 例会（{decided.meeting_unit_code}）"
        f"决定由{member.name}承办。"
    )
    await repo.add_assignments(
        [
            {
                "assignment_id": assignment_id,
                "case_id": decided.case_id,
                "unit_code": member.unit_code,
                "assignee_id": member.staff_id,
                "rule": RULE,
                "explanation": {
                    "text": explanation,
                    "trigger": "meeting_decision",
                    "trigger_reason": TRIGGER_REASON,
                    "meeting_id": decided.meeting_id,
                    "decision_id": decided.decision_id,
                },
                "assigned_at": now,
                "trigger": "meeting_decision",
                "supersedes": active.assignment_id,
                "co_handler_ids": [],
            }
        ]
    )
    await repo.change_load([member.staff_id], +1)
    uow.publish(
        topics.CASE,
        decided.case_id,
        CaseAssignedV1(
            case_id=decided.case_id,
            assignment_id=assignment_id,
            unit_code=unit.code,
            unit_level=unit.level,  # type: ignore[arg-type]
            unit_name=unit.name,
            assignee_id=member.staff_id,
            assignee_name=member.name,
            assignee_role=member.role,
            rule=RULE,
            explanation=explanation,
            assigned_at=now,
            trigger="meeting_decision",
            supersedes_assignment_id=active.assignment_id,
            trigger_reason=TRIGGER_REASON,
        ),
    )
    return assignment_id
