"""Routing handlers: assign a submitted case; reassign it on rejection, recusal, escalation.

Each runs in one unit of work: the decision with its explanation, the load changes
and ``case.assigned`` commit together. The in-memory registry (spatial index and
tree) and the policy are cached per process and checked against their version rows
at the start of every decision, so an import made through any process is used by
every process from its next decision on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.routing.adapters.repository import RoutingRepository
from services.routing.domain.policy import CaseFacts, Policy, RuleMatch
from services.routing.domain.registry import OrgUnit, chain_of
from services.routing.domain.routing import Decision, Location, decide, locate
from services.routing.domain.spatial import AreaIndex
from services.routing.domain.staff import StaffMember
from services.routing.service_layer.idempotent import Answer, Idempotency, remember, replayed
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import CaseEscalatedV1
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import MediatorRefusedV1, ReportHandedOverV1
from shared.events.routing import AssignmentTrigger, Candidate, CaseAssignedV1, Participant
from shared.logging import get_logger
from shared.messaging.received import Received

log = get_logger(__name__)


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

    The versions are read once per transaction: a consumer routes a fetched batch of
    cases in one transaction, and they all see the same registry and policy.
    """

    def __init__(self) -> None:
        self.registry: RegistrySnapshot | None = None
        self.policy: Policy | None = None
        self.rebuilds = 0
        self._checked_in: object | None = None  # the transaction that last read versions
        # The time routing stamps on assignments; bootstrap points it at the runtime's
        # clock, so a test's controllable clock moves routing with the other services.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

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


class NotTheHandler(PermissionError):
    """The caller asked as the case's handler but does not hold it (reporting a case,
    or sharing its grid, gives no right to move it)."""


class ReassignmentRefused(ValueError):
    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def _facts(row: Any) -> CaseFacts:
    return CaseFacts(row.kind, row.category, tuple(row.risk_signals or ()), row.people_involved)


@dataclass(frozen=True)
class Placement:
    """Where a case is, what the policy says of it, and the units whose staff may serve."""

    location: Location
    facts: CaseFacts
    match: RuleMatch
    chain: list[str]


def _place(snapshot: RegistrySnapshot, policy: Policy, case: Any) -> Placement:
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
    return Placement(location, facts, match, chain_of(location.unit_code, snapshot.units))


@dataclass(frozen=True)
class Assignment:
    """A decision as stored and announced: its row, whose load grows, and the event."""

    row: dict[str, Any]
    loaded: list[str]
    event: CaseAssignedV1


def _assignment(
    snapshot: RegistrySnapshot,
    case_id: str,
    decision: Decision,
    now: datetime,
    trigger: AssignmentTrigger,
    supersedes: str | None,
    trigger_reason: str | None,
    responsible: StaffMember | None = None,
    noted: dict[str, Any] | None = None,
) -> Assignment:
    """``responsible``: the first receiver kept on the case as a co-handler when it
    moves up or down the tree (首接负责); ``noted``: more facts for the explanation."""
    assignment_id = str(uuid.uuid4())
    lead = decision.assignee
    co_handlers = [p for p in decision.co_handlers if p.chosen]
    informed = [p for p in decision.informed if p.chosen]
    if responsible is not None and (
        (lead is not None and responsible.staff_id == lead.staff_id)
        or any(p.chosen and p.chosen.staff_id == responsible.staff_id for p in co_handlers)
    ):
        responsible = None  # already on the case
    explanation = decision.explanation() | {
        "trigger": trigger,
        "trigger_reason": trigger_reason,
        **(noted or {}),
    }
    if responsible is not None:
        explanation["first_receiver"] = {
            "staff_id": responsible.staff_id,
            "text": f"首接负责：{responsible.name} 仍为责任人 — first receiver stays responsible",
        }
    row = {
        "assignment_id": assignment_id,
        "case_id": case_id,
        "unit_code": decision.unit_code,
        "assignee_id": lead.staff_id if lead else None,
        "rule": decision.rule_id,
        "explanation": explanation,
        "assigned_at": now,
        "trigger": trigger,
        "supersedes": supersedes,
        "co_handler_ids": [p.chosen.staff_id for p in co_handlers if p.chosen]
        + ([responsible.staff_id] if responsible else []),
    }
    loaded = [
        m.staff_id for m in [lead, *(p.chosen for p in co_handlers), responsible] if m is not None
    ]
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
    if responsible is not None:
        participants.insert(
            len(co_handlers),
            Participant(
                staff_id=responsible.staff_id,
                name=responsible.name,
                role=responsible.role,
                unit_code=responsible.unit_code,
                involvement="co_handler",
            ),
        )
    event = CaseAssignedV1(
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
    )
    return Assignment(row, loaded, event)


async def _route(
    uow: UnitOfWork,
    repo: RoutingRepository,
    cache: RoutingCache,
    case: Any,
    *,
    trigger: AssignmentTrigger,
    excluded: dict[str, str],
    above: str | None = None,
    start_at: str | None = None,
    supersedes: str | None = None,
    trigger_reason: str | None = None,
    responsible: StaffMember | None = None,
    noted: dict[str, Any] | None = None,
    also_roles: tuple[str, ...] = (),
) -> str:
    """Decide, store the decision, move loads, publish ``case.assigned``; the assignment id."""
    snapshot, policy = await cache.current(repo)
    placed = _place(snapshot, policy, case)
    # The people of the units the search may visit: above the case's place, and above
    # the unit it starts from when that is elsewhere (handed over or down to a named
    # unit, escalated from one).
    chain = set(placed.chain)
    for start in (start_at, above):
        if start is not None and start in snapshot.units:
            chain.update(chain_of(start, snapshot.units))
    staff = await repo.staff_serving(sorted(chain), lock=True)
    now = cache.now()
    decision = decide(
        placed.facts,
        placed.location,
        placed.match,
        policy,
        snapshot.units,
        staff,
        at=now,
        excluded=excluded,
        above=above,
        start_at=start_at,
        also_roles=also_roles,
    )
    assignment = _assignment(
        snapshot,
        case.case_id,
        decision,
        now,
        trigger,
        supersedes,
        trigger_reason,
        responsible,
        noted,
    )
    await repo.add_assignments([assignment.row])
    await repo.change_load(assignment.loaded, +1)
    uow.publish(topics.CASE, case.case_id, assignment.event)
    return str(assignment.row["assignment_id"])


def _routing_facts(case: CaseSubmittedV1) -> dict[str, Any]:
    return {
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


async def assign_submitted_cases(
    uow: UnitOfWork, events: list[Received[CaseSubmittedV1]], cache: RoutingCache
) -> None:
    """First routing of cases, in order, with one statement per step for all of them;
    a replayed ``case.submitted`` routes nothing twice.

    The staff serving any of the cases are locked at once (in id order, like one
    decision's), and each decision sees the loads the earlier ones in the batch added,
    so the cases are assigned exactly as they would be one after another. A case seen
    for the first time has no exclusions: those come from rejecting or recusing.
    """
    repo = RoutingRepository(uow.connection)
    stored = await repo.remember_cases([_routing_facts(e.payload) for e in events])
    if not stored:
        return  # all replays
    contexts = {e.payload.case_id: e.caused() for e in events}
    snapshot, policy = await cache.current(repo)
    placed = [(case, _place(snapshot, policy, case)) for case in stored]
    staff = StaffLoads(
        await repo.staff_serving(sorted({c for _, p in placed for c in p.chain}), lock=True)
    )
    now = cache.now()
    assignments: list[Assignment] = []
    for case, placement in placed:
        decision = decide(
            placement.facts,
            placement.location,
            placement.match,
            policy,
            snapshot.units,
            staff.serving(placement.chain),
            at=now,
            excluded={},
        )
        assignment = _assignment(snapshot, case.case_id, decision, now, "submitted", None, None)
        staff.add(assignment.loaded, +1)
        assignments.append(assignment)
    await repo.add_assignments([a.row for a in assignments])
    await repo.set_loads(staff.changed())
    for a in assignments:
        uow.publish(topics.CASE, a.event.case_id, a.event, context=contexts[a.event.case_id])


class StaffLoads:
    """Locked staff rows with their loads kept current across a batch's decisions."""

    def __init__(self, members: list[StaffMember]):
        self._members = {m.staff_id: m for m in members}
        # Who serves each unit (home or covered); a load change keeps a member's units.
        self._by_unit: dict[str, set[str]] = {}
        for m in members:
            for unit in m.units_served:
                self._by_unit.setdefault(unit, set()).add(m.staff_id)
        self._changed: set[str] = set()

    def serving(self, chain: list[str]) -> list[StaffMember]:
        """Like ``staff_serving(chain)``: home or covered unit in the chain, by id."""
        ids = set().union(*(self._by_unit.get(unit, ()) for unit in chain))
        return [self._members[i] for i in sorted(ids)]

    def add(self, staff_ids: list[str], delta: int) -> None:
        for staff_id in staff_ids:
            member = self._members[staff_id]
            self._members[staff_id] = replace(member, open_cases=max(member.open_cases + delta, 0))
            self._changed.add(staff_id)

    def changed(self) -> dict[str, int]:
        return {i: self._members[i].open_cases for i in sorted(self._changed)}


# Who else may take a case that moved in the tree, after the rule's roles: the
# receiving unit's centre operator (社区综治中心 included: the level above a grid is its
# community, DOMAIN.md "Time limits and supervision"), and for a case handed down
# (交办) the people who work that kind of case there.
ESCALATION_ROLES: tuple[str, ...] = ("centre_operator",)
HAND_DOWN_ROLES: dict[str, tuple[str, ...]] = {
    "dispute": ("mediator", "centre_operator"),
    "report": ("grid_officer", "centre_operator"),
}
MOVES_IN_TREE: frozenset[AssignmentTrigger] = frozenset({"escalation", "handed_down"})


async def _reassign(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    *,
    trigger: AssignmentTrigger,
    staff_id: str | None,
    reason: str,
    allowed: str,  # "lead" | "participant" | "any"
    holder: str | None = None,
    start_at: str | None = None,
    asker: str | None = None,
    from_unit: str | None = None,
    noted: dict[str, Any] | None = None,
) -> str:
    """End the active assignment and route the case again.

    ``holder``: who asks as the case's handler (they must hold it); ``asker``: who asked
    for an escalation, never its receiver (they pass it up); ``from_unit``: the unit the
    case must still be at (an escalation decided elsewhere, applied once)."""
    repo = RoutingRepository(uow.connection)
    case = await repo.routed_case(case_id)
    active = await repo.active_assignment(case_id, lock=True)
    if case is None or active is None:
        raise CaseNotRouted(case_id)
    participants = [active.assignee_id, *active.co_handler_ids]
    if holder is not None and holder not in participants:
        raise NotTheHandler(case_id)
    if from_unit is not None and active.unit_code != from_unit:
        raise ReassignmentRefused(
            f"The case is no longer at {from_unit} (now {active.unit_code}).",
            f"案件已不在 {from_unit}（现为 {active.unit_code}）。",
        )
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
    units = (await cache.current(repo))[0].units
    above = None
    if trigger == "escalation" and start_at is None:
        unit = units.get(active.unit_code)
        if unit is None or unit.parent_code is None:
            raise ReassignmentRefused(
                "The case is already at the top of the tree.", "案件已在最高层级，无法再上报。"
            )
        above = active.unit_code
    if start_at is not None and start_at not in units:
        raise ReassignmentRefused(
            f"Unit {start_at} is not in the registry.", f"单位 {start_at} 不在登记册中。"
        )
    if staff_id is not None and trigger in ("rejected", "recusal", "handed_over"):
        label = {
            "rejected": "已回退 rejected the case",
            "recusal": "当事人申请回避 recused",
            "handed_over": "已转办 handed the report over",
        }[trigger]
        await repo.exclude(case_id, staff_id, trigger, f"{label}: {reason}")
    excluded = await repo.exclusions_of(case_id)
    if asker is not None and trigger == "escalation":
        excluded.setdefault(asker, "提出上报者，不自接 — asked for the escalation")
    responsible = await repo.first_receiver(case_id) if trigger in MOVES_IN_TREE else None
    now = cache.now()
    await repo.end_assignment(active.assignment_id, f"{trigger}: {reason}", now)
    await repo.change_load([p for p in participants if p], -1)
    return await _route(
        uow,
        repo,
        cache,
        case,
        trigger=trigger,
        excluded=excluded,
        above=above,
        start_at=start_at,
        supersedes=active.assignment_id,
        trigger_reason=reason,
        responsible=responsible,
        noted=noted,
        also_roles=ESCALATION_ROLES
        if trigger == "escalation"
        else HAND_DOWN_ROLES.get(case.kind, ESCALATION_ROLES)
        if trigger == "handed_down"
        else (),
    )


async def _reassigned_once(
    uow: UnitOfWork,
    case_id: str,
    principal: Principal,
    idempotency: Idempotency,
    move: Callable[[], Awaitable[str]],
) -> Answer:
    """A reassignment asked for over HTTP, once per caller's Idempotency-Key: a retry
    gets the first answer (taken before any check, so the case having moved away from
    the caller since does not turn it into a refusal); otherwise the case must be in
    the caller's jurisdiction, and the move, its ``case.assigned`` (outbox) and the
    answer under the key commit together."""
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    if not await RoutingRepository(uow.connection).case_visible(case_id, principal):
        raise CaseNotRouted(case_id)
    assignment_id = await move()
    answer = Answer(201, {"case_id": case_id, "assignment_id": assignment_id})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def reject_case(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    staff_id: str,
    reason: str,
    *,
    principal: Principal,
    idempotency: Idempotency,
) -> Answer:
    """回退: the handler sends the case back; route it again without them."""
    return await _reassigned_once(
        uow,
        case_id,
        principal,
        idempotency,
        lambda: _reassign(
            uow,
            cache,
            case_id,
            trigger="rejected",
            staff_id=staff_id,
            reason=reason,
            allowed="lead",
        ),
    )


async def recuse(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    staff_id: str,
    reason: str,
    *,
    principal: Principal,
    idempotency: Idempotency,
) -> Answer:
    """A party objects to a mediator (People's Mediation Law art. 19/23): replace them."""
    return await _reassigned_once(
        uow,
        case_id,
        principal,
        idempotency,
        lambda: _reassign(
            uow,
            cache,
            case_id,
            trigger="recusal",
            staff_id=staff_id,
            reason=reason,
            allowed="participant",
        ),
    )


async def replace_refused_handler(
    uow: UnitOfWork, cache: RoutingCache, refused: MediatorRefusedV1
) -> str | None:
    """Mediation recorded that a party refused a handler or the handler recused (People's
    Mediation Law arts. 19, 23): exclude them and route the case again, as the 回避
    route does. Nothing to do if they no longer handle it (the route was used first, or
    the event is replayed after a later assignment). The consumer commits."""
    reason = (
        "当事人拒绝该调解员（人民调解法第十九、二十三条）"
        if refused.by == "party"
        else "调解员自行回避（人民调解法第二十三条）"
    )
    try:
        return await _reassign(
            uow,
            cache,
            refused.case_id,
            trigger="recusal",
            staff_id=refused.staff_id,
            reason=reason,
            allowed="participant",
        )
    except (CaseNotRouted, ReassignmentRefused) as exc:
        log.info("refused_handler_not_replaced", case_id=refused.case_id, error=type(exc).__name__)
        return None


async def hand_over_report(
    uow: UnitOfWork, cache: RoutingCache, handed_over: ReportHandedOverV1
) -> str | None:
    """Mediation recorded a handover (转办): the unit holding a situation report is not
    responsible. Exclude the person handing it over and route it again, from the named
    unit if there is one. Nothing to do if they no longer hold it (a replay after a later
    assignment). The consumer commits."""
    try:
        return await _reassign(
            uow,
            cache,
            handed_over.case_id,
            trigger="handed_over",
            staff_id=handed_over.from_handler_id,
            reason="转办：承办单位非责任单位",
            allowed="lead",
            start_at=handed_over.to_unit_code,
        )
    except (CaseNotRouted, ReassignmentRefused) as exc:
        log.info("handover_not_routed", case_id=handed_over.case_id, error=type(exc).__name__)
        return None


async def escalate(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    reason: str,
    *,
    principal: Principal,
    idempotency: Idempotency,
    handler: str | None = None,
    asker: str | None = None,
) -> Answer:
    """上报: move the case one level up (grid → community → street centre → district
    centre; DOMAIN.md "Time limits and supervision").

    ``handler``: the staff member asking, when they ask as the case's handler (上报 by
    the unit holding it) rather than as a centre over the area; they must hold it.
    ``asker``: whoever asked; the case never lands back on them. The first receiver
    stays on the case (首接负责)."""
    return await _reassigned_once(
        uow,
        case_id,
        principal,
        idempotency,
        lambda: _reassign(
            uow,
            cache,
            case_id,
            trigger="escalation",
            staff_id=None,
            reason=reason,
            allowed="any",
            holder=handler,
            asker=asker,
        ),
    )


class NotBelow(ValueError):
    """交办 goes down only: the named unit must be under the case's current unit."""


async def hand_down(
    uow: UnitOfWork,
    cache: RoutingCache,
    case_id: str,
    to_unit_code: str,
    reason: str,
    *,
    principal: Principal,
    idempotency: Idempotency,
) -> Answer:
    """交办: a centre hands the case to a named unit below the case's current one
    (DOMAIN.md "Case work"); routing picks its person there as for a first routing,
    and the first receiver stays on the case (首接负责). The route checks that the
    unit is in the caller's area."""

    async def move() -> str:
        repo = RoutingRepository(uow.connection)
        active = await repo.active_assignment(case_id)
        if active is None:
            raise CaseNotRouted(case_id)
        if to_unit_code == active.unit_code or not to_unit_code.startswith(active.unit_code):
            raise NotBelow(to_unit_code)
        return await _reassign(
            uow,
            cache,
            case_id,
            trigger="handed_down",
            staff_id=None,
            reason=reason,
            allowed="any",
            start_at=to_unit_code,
        )

    return await _reassigned_once(uow, case_id, principal, idempotency, move)


async def apply_case_escalated(
    uow: UnitOfWork, cache: RoutingCache, escalated: CaseEscalatedV1
) -> str | None:
    """Escalation decided on its own (a red card under the district's policy, a
    meeting's decision) that the case goes up to ``to_unit_code``: assign that unit's
    person (its centre operator at a street or district), the first receiver staying on
    the case. Applied once: a replay finds the case no longer at ``from_unit_code``.
    The consumer commits."""
    try:
        return await _reassign(
            uow,
            cache,
            escalated.case_id,
            trigger="escalation",
            staff_id=None,
            reason=f"{ESCALATION_REASONS[escalated.reason]}（{escalated.stage or '-'}）",
            allowed="any",
            start_at=escalated.to_unit_code,
            from_unit=escalated.from_unit_code,
            noted={"escalation_id": escalated.escalation_id},
        )
    except (CaseNotRouted, ReassignmentRefused) as exc:
        log.info("escalation_not_applied", case_id=escalated.case_id, error=type(exc).__name__)
        return None


ESCALATION_REASONS = {
    "red_card": "红牌超时自动上报 red card",
    "meeting_decision": "联席会议决定上报 meeting decision",
}


__all__ = [
    "CaseNotRouted",
    "Location",
    "NotTheHandler",
    "ReassignmentRefused",
    "RoutingCache",
    "apply_case_escalated",
    "escalate",
    "hand_down",
    "recuse",
    "reject_case",
]
