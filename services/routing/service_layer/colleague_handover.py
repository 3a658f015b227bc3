"""委员会内转交: mediation recorded that a case goes to a named colleague of the same
unit; who handles a case is routing's decision, so routing applies it here (trigger
``handed_to_colleague``), ending the active assignment and moving the loads as every
reassignment does.

Routing checks what only it knows: the case is still where mediation saw it (same unit,
same handler: a replay or a stale request changes nothing), the colleague is on the
staff register, active, serves the case's unit, has a role that works this kind of case
and was not excluded from it (a party refused them, they recused, rejected or handed it
over). A request it cannot apply is logged and left: the case page keeps showing the
handler it has. Co-handlers (the first receiver, 首接负责) stay on the case. The consumer
commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.routing.adapters.repository import RoutingRepository
from services.routing.service_layer.handlers import RoutingCache
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.mediation import CaseHandedToColleagueV1
from shared.events.routing import CaseAssignedV1, Participant
from shared.logging import get_logger

log = get_logger(__name__)

TRIGGER_REASON = "委员会内转交"
RULE = "handed_to_colleague"

# Who may take a case of each kind inside its unit: a dispute the committee's people
# (人民调解法 arts. 8, 13: members and mediators of the committee; the community
# police and legal adviser sit with it), a situation report the unit's grid officers and
# its centre operator.
ELIGIBLE_ROLES: dict[str, frozenset[str]] = {
    "dispute": frozenset({"mediator", "community_police", "legal_adviser"}),
    "report": frozenset({"grid_officer", "centre_operator"}),
}


def _not_applied(case_id: str, why: str) -> None:
    log.info("colleague_handover_not_applied", case_id=case_id, why=why)


async def hand_to_colleague(
    uow: UnitOfWork, cache: RoutingCache, asked: CaseHandedToColleagueV1
) -> str | None:
    """The new assignment's id, or None when nothing was applied (why is logged)."""
    repo = RoutingRepository(uow.connection)
    active = await repo.active_assignment(asked.case_id, lock=True)
    if active is None:
        _not_applied(asked.case_id, "not_routed")
        return None
    if active.assignee_id == asked.to_staff_id:
        return None  # already theirs (a replay)
    if active.unit_code != asked.unit_code or active.assignee_id != asked.from_handler_id:
        _not_applied(asked.case_id, "moved_since")
        return None
    member = await repo.staff_member(asked.to_staff_id, lock=True)
    snapshot, _ = await cache.current(repo)
    unit = snapshot.units.get(active.unit_code)
    if member is None or not member.active or unit is None:
        _not_applied(asked.case_id, "not_active_staff")
        return None
    if active.unit_code not in member.units_served:
        _not_applied(asked.case_id, "not_of_the_unit")
        return None
    if member.role not in ELIGIBLE_ROLES.get(asked.kind, frozenset()):
        _not_applied(asked.case_id, "role_not_eligible")
        return None
    if member.staff_id in await repo.exclusions_of(asked.case_id):
        _not_applied(asked.case_id, "excluded_from_case")
        return None
    now = datetime.now(UTC)
    before = [p for p in [active.assignee_id, *active.co_handler_ids] if p]
    co_handler_ids = [c for c in active.co_handler_ids if c != member.staff_id]
    co_handlers = [m for m in [await repo.staff_member(c) for c in co_handler_ids] if m]
    await repo.end_assignment(active.assignment_id, f"{RULE}: {TRIGGER_REASON}", now)
    await repo.change_load(before, -1)
    assignment_id = str(uuid.uuid4())
    explanation = f"{TRIGGER_REASON}：由{member.name}承办（同一单位 {unit.name}）。"
    await repo.add_assignments(
        [
            {
                "assignment_id": assignment_id,
                "case_id": asked.case_id,
                "unit_code": unit.code,
                "assignee_id": member.staff_id,
                "rule": RULE,
                "explanation": {
                    "text": explanation,
                    "trigger": RULE,
                    "trigger_reason": TRIGGER_REASON,
                    "asked_by": asked.actor_id,
                },
                "assigned_at": now,
                "trigger": RULE,
                "supersedes": active.assignment_id,
                "co_handler_ids": co_handler_ids,
            }
        ]
    )
    await repo.change_load([member.staff_id, *co_handler_ids], +1)
    uow.publish(
        topics.CASE,
        asked.case_id,
        CaseAssignedV1(
            case_id=asked.case_id,
            assignment_id=assignment_id,
            unit_code=unit.code,
            unit_level=unit.level,  # type: ignore[arg-type]
            unit_name=unit.name,
            assignee_id=member.staff_id,
            assignee_name=member.name,
            assignee_role=member.role,
            also_notified=[m.staff_id for m in co_handlers],
            rule=RULE,
            explanation=explanation,
            assigned_at=now,
            trigger="handed_to_colleague",
            supersedes_assignment_id=active.assignment_id,
            trigger_reason=TRIGGER_REASON,
            participants=[
                Participant(
                    staff_id=m.staff_id,
                    name=m.name,
                    role=m.role,
                    unit_code=m.unit_code,
                    involvement="co_handler",
                )
                for m in co_handlers
            ],
        ),
    )
    return assignment_id
