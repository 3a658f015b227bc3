"""Routing handlers: assign a submitted case; reassign it on rejection, recusal, escalation.

Each runs in one unit of work: the decision with its explanation, the load changes
and ``case.assigned`` commit together. The in-memory registry (spatial index and
tree) and the policy are cached per process and checked against their version rows
at the start of every decision, so an import made through any process is used by
every process from its next decision on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.routing.adapters.repository import RoutingRepository
from services.routing.domain.policy import CaseFacts, Policy
from services.routing.domain.registry import OrgUnit, chain_of
from services.routing.domain.routing import Decision, Location, decide, locate
from services.routing.domain.spatial import AreaIndex
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import AssignmentTrigger, Candidate, CaseAssignedV1, Participant


@dataclass(frozen=True)
class RegistrySnapshot:
    """The tree and its spatial index as of one registry version."""

    version: int
    units: dict[str, OrgUnit]
    index: AreaIndex
    district: str | None

    @classmethod
    def build(cls, version: int, units: dict[str, OrgUnit]) -> RegistrySnapshot:
        index = AreaIndex((u.code, u.level, u.boundary) for u in units.values() if u.boundary)
        districts = sorted(c for c, u in units.items() if u.level == "district")
        return cls(version, units, index, districts[0] if districts else None)


class RoutingCache:
    """Per-process cache of the registry snapshot and the policy, keyed by version.

    The versions are read once per transaction: a consumer routes a partition's batch
    of cases in one transaction, and they all see the same registry and policy.
    """

    def __init__(self) -> None:
        self.registry: RegistrySnapshot | None = None
        self.policy: Policy | None = None
        self.rebuilds = 0
        self._checked_in: object | None = None  # the transaction that last read versions

    async def current(self, repo: RoutingRepository) -> tuple[RegistrySnapshot, Policy]:
        transaction = repo.conn.get_transaction()
        if (
            transaction is not None
            and transaction is self._checked_in
            and self.registry is not None
            and self.policy is not None
        ):
            return self.registry, self.policy
        self._checked_in = transaction
        version = await repo.registry_version()
        if self.registry is None or self.registry.version != version:
            self.registry = RegistrySnapshot.build(version, await repo.all_units())
            self.rebuilds += 1
        policy_version = await repo.policy_version()
        if self.policy is None or self.policy.version != policy_version:
            self.policy = await repo.current_policy()
        return self.registry, self.policy


class CaseNotRouted(LookupError):
    """No routing record for the case (never submitted, or not yet consumed)."""


class ReassignmentRefused(ValueError):
    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def _facts(row: Any) -> CaseFacts:
    return CaseFacts(row.kind, row.category, tuple(row.risk_signals or ()), row.people_involved)


async def _route(
    uow: UnitOfWork,
    repo: RoutingRepository,
    cache: RoutingCache,
    case: Any,
    *,
    trigger: AssignmentTrigger,
    excluded: dict[str, str],
    above: str | None = None,
    supersedes: str | None = None,
    trigger_reason: str | None = None,
) -> str:
    """Decide, store the decision, move loads, publish ``case.assigned``; the assignment id."""
    snapshot, policy = await cache.current(repo)
    point = (case.lng, case.lat) if case.lng is not None and case.lat is not None else None
    location = locate(
        snapshot.index,
        snapshot.units,
        point=point,
        grid_code=case.grid_code,
        district=snapshot.district,
    )
    if location is None:
        raise RuntimeError("the organisation registry is empty: import it before routing cases")
    facts = _facts(case)
    match = policy.match(facts)
    if match is None:  # a valid policy ends with a catch-all, so this is a corrupt table
        raise RuntimeError(f"routing policy v{policy.version} has no rule for {facts}")
    chain = chain_of(location.unit_code, snapshot.units)
    staff = await repo.staff_serving(chain, lock=True)
    now = datetime.now(UTC)
    decision = decide(
        facts,
        location,
        match,
        policy,
        snapshot.units,
        staff,
        at=now,
        excluded=excluded,
        above=above,
    )
    return await _store(
        uow, repo, snapshot, case.case_id, decision, now, trigger, supersedes, trigger_reason
    )


async def _store(
    uow: UnitOfWork,
    repo: RoutingRepository,
    snapshot: RegistrySnapshot,
    case_id: str,
    decision: Decision,
    now: datetime,
    trigger: AssignmentTrigger,
    supersedes: str | None,
    trigger_reason: str | None,
) -> str:
    assignment_id = str(uuid.uuid4())
    lead = decision.assignee
    co_handlers = [p for p in decision.co_handlers if p.chosen]
    informed = [p for p in decision.informed if p.chosen]
    explanation = decision.explanation() | {"trigger": trigger, "trigger_reason": trigger_reason}
    await repo.add_assignment(
        {
            "assignment_id": assignment_id,
            "case_id": case_id,
            "unit_code": decision.unit_code,
            "assignee_id": lead.staff_id if lead else None,
            "rule": decision.rule_id,
            "explanation": explanation,
            "assigned_at": now,
            "trigger": trigger,
            "supersedes": supersedes,
            "co_handler_ids": [p.chosen.staff_id for p in co_handlers if p.chosen],
        }
    )
    await repo.change_load(
        [m.staff_id for m in [lead, *(p.chosen for p in co_handlers)] if m is not None], +1
    )
    unit = snapshot.units[decision.unit_code]
    participants = [
        Participant(
            staff_id=p.chosen.staff_id,
            name=p.chosen.name,
            role=p.chosen.role,
            unit_code=p.unit_code,
            involvement="co_handler" if p.slot == "also_assign" else "informed",
        )
        for p in [*co_handlers, *informed]
        if p.chosen is not None
    ]
    uow.publish(
        topics.CASE,
        case_id,
        CaseAssignedV1(
            case_id=case_id,
            assignment_id=assignment_id,
            unit_code=unit.code,
            unit_level=unit.level,  # type: ignore[arg-type]
            unit_name=unit.name,
            assignee_id=lead.staff_id if lead else None,
            assignee_name=lead.name if lead else None,
            assignee_role=lead.role if lead else None,
            also_notified=[p.staff_id for p in participants],
            rule=decision.rule_id,
            explanation=decision.text(),
            candidates=[
                Candidate(
                    staff_id=v.staff.staff_id,
                    name=v.staff.name,
                    role=v.staff.role,
                    chosen=v.chosen,
                    reason=v.reason,
                    unit_code=v.unit_code,
                )
                for v in decision.lead.verdicts
            ],
            assigned_at=now,
            trigger=trigger,
            supersedes_assignment_id=supersedes,
            trigger_reason=trigger_reason,
            policy_version=decision.policy_version,
            located_by=decision.location.located_by,
            participants=participants,
        ),
    )
    return assignment_id


async def assign_submitted_case(uow: UnitOfWork, event: CloudEvent, cache: RoutingCache) -> None:
    """First routing of a case. A replayed ``case.submitted`` routes nothing twice."""
    case = CaseSubmittedV1.model_validate(event.data)
    repo = RoutingRepository(uow.connection)
    stored = await repo.remember_case(
        {
            "case_id": case.case_id,
            "case_number": case.case_number,
            "kind": case.kind,
            "category": case.category,
            "risk_signals": case.risk_signals,
            "people_involved": case.people_involved,
            "lng": case.location.lng if case.location else None,
            "lat": case.location.lat if case.location else None,
            "grid_code": case.grid_code,
            "submitted_at": case.submitted_at,
        }
    )
    if stored is not None:
        await _route(
            uow,
            repo,
            cache,
            stored,
            trigger="submitted",
            # Exclusions come from rejecting or recusing an assignment, so a case seen
            # for the first time has none.
            excluded={},
        )


async def _reassign(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    *,
    trigger: AssignmentTrigger,
    staff_id: str | None,
    reason: str,
    allowed: str,  # "lead" | "participant" | "any"
) -> str:
    repo = RoutingRepository(uow.connection)
    case = await repo.routed_case(case_id)
    active = await repo.active_assignment(case_id, lock=True)
    if case is None or active is None:
        raise CaseNotRouted(case_id)
    participants = [active.assignee_id, *active.co_handler_ids]
    if allowed == "lead" and staff_id != active.assignee_id:
        raise ReassignmentRefused(
            f"{staff_id} is not the current handler ({active.assignee_id}) and cannot reject it.",
            f"{staff_id} 不是当前承办人（{active.assignee_id}），不能回退。",
        )
    if allowed == "participant" and staff_id not in participants:
        raise ReassignmentRefused(
            f"{staff_id} does not handle this case; there is nobody to recuse.",
            f"{staff_id} 未承办此案，无需回避。",
        )
    above = None
    if trigger == "escalation":
        unit = (await cache.current(repo))[0].units.get(active.unit_code)
        if unit is None or unit.parent_code is None:
            raise ReassignmentRefused(
                "The case is already at the top of the tree.", "案件已在最高层级，无法再上报。"
            )
        above = active.unit_code
    if staff_id is not None and trigger in ("rejected", "recusal"):
        label = "已回退 rejected the case" if trigger == "rejected" else "当事人申请回避 recused"
        await repo.exclude(case_id, staff_id, trigger, f"{label}: {reason}")
    now = datetime.now(UTC)
    await repo.end_assignment(active.assignment_id, f"{trigger}: {reason}", now)
    await repo.change_load([p for p in participants if p], -1)
    return await _route(
        uow,
        repo,
        cache,
        case,
        trigger=trigger,
        excluded=await repo.exclusions_of(case_id),
        above=above,
        supersedes=active.assignment_id,
        trigger_reason=reason,
    )


async def reject_case(
    uow: UnitOfWork, cache: RoutingCache, case_id: str, staff_id: str, reason: str
) -> str:
    """回退: the handler sends the case back; route it again without them."""
    assignment_id = await _reassign(
        uow, cache, case_id, trigger="rejected", staff_id=staff_id, reason=reason, allowed="lead"
    )
    await uow.commit()
    return assignment_id


async def recuse(
    uow: UnitOfWork, cache: RoutingCache, case_id: str, staff_id: str, reason: str
) -> str:
    """A party objects to a mediator (People's Mediation Law art. 19/23): replace them."""
    assignment_id = await _reassign(
        uow,
        cache,
        case_id,
        trigger="recusal",
        staff_id=staff_id,
        reason=reason,
        allowed="participant",
    )
    await uow.commit()
    return assignment_id


async def escalate(uow: UnitOfWork, cache: RoutingCache, case_id: str, reason: str) -> str:
    """Move the case one level up (grid → community → street centre → district centre)."""
    assignment_id = await _reassign(
        uow, cache, case_id, trigger="escalation", staff_id=None, reason=reason, allowed="any"
    )
    await uow.commit()
    return assignment_id


async def routing_of(uow: UnitOfWork, case_id: str, principal: Principal) -> list[Any]:
    return await RoutingRepository(uow.connection).assignments_of(case_id, principal)


__all__ = [
    "CaseNotRouted",
    "Location",
    "ReassignmentRefused",
    "RoutingCache",
    "assign_submitted_case",
    "escalate",
    "recuse",
    "reject_case",
]
