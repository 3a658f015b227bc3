"""Deciding who handles a case, keeping the reason for every person considered.

1. Locate: the grid under the point; else the grid code the reporter gave; else the
   smallest unit whose boundary covers the point; else the district (属地兜底).
2. Match the policy: the first rule that fits the case's kind, category and risk.
3. Walk up from the rule's start unit (grid → community → street → district). At each
   unit where the role can serve, the eligible person with the lowest load wins;
   at street and district the centre operators take what no one else could (the
   centre dispatches). Reassignment excludes the people who rejected or were recused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.routing.domain.policy import CaseFacts, Policy, RuleMatch
from services.routing.domain.registry import LEVEL_ZH, LEVELS, OrgUnit, chain_of
from services.routing.domain.spatial import AreaIndex
from services.routing.domain.staff import CENTRE_OPERATOR, HOME_LEVELS, ROLE_ZH, StaffMember

POINT_IN_GRID = "point-in-grid"
GRID_CODE = "grid-code"
BACKSTOP = "locality-backstop 属地兜底"


@dataclass(frozen=True)
class Location:
    unit_code: str
    located_by: str  # POINT_IN_GRID | GRID_CODE | BACKSTOP
    note: str


def locate(
    index: AreaIndex,
    units: Mapping[str, OrgUnit],
    *,
    point: tuple[float, float] | None,
    grid_code: str | None,
    district: str | None,
) -> Location | None:
    """Where a case belongs; None only when the registry is empty."""
    if point is not None:
        code = index.grid_at(*point)
        if code is not None:
            return Location(code, POINT_IN_GRID, f"坐标落在网格 {code} point lies in grid {code}")
    if grid_code and grid_code in units:
        return Location(grid_code, GRID_CODE, f"上报的网格编码 {grid_code} reported grid code")
    if point is not None:
        code = index.smallest_unit_at(*point)
        if code is not None:
            return Location(
                code,
                BACKSTOP,
                f"坐标不在任何网格内，由最小的所在单位 {code} 兜底 "
                f"point is in no grid; the smallest enclosing unit {code} owns it",
            )
    if district is None:
        return None
    return Location(
        district,
        BACKSTOP,
        f"无坐标或坐标在辖区外，由区综治中心 {district} 兜底 "
        f"no usable location; the district centre {district} owns it",
    )


@dataclass(frozen=True)
class Verdict:
    staff: StaffMember
    unit_code: str
    chosen: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "staff_id": self.staff.staff_id,
            "name": self.staff.name,
            "role": self.staff.role,
            "unit_code": self.unit_code,
            "open_cases": self.staff.open_cases,
            "capacity": self.staff.capacity,
            "chosen": self.chosen,
            "reason": self.reason,
        }


@dataclass
class Pick:
    """The search for one role slot (lead, co-handler or informed) and its outcome."""

    slot: str  # lead | also_assign | inform
    roles: tuple[str, ...]
    unit_code: str
    chosen: StaffMember | None
    verdicts: list[Verdict] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "roles": list(self.roles),
            "unit_code": self.unit_code,
            "chosen": self.chosen.staff_id if self.chosen else None,
            "steps": self.steps,
            "candidates": [v.as_dict() for v in self.verdicts],
        }


def _rank(members: list[StaffMember], category: str) -> list[StaffMember]:
    """The lowest load first; among equals, those skilled in the category; then by id."""
    return sorted(members, key=lambda m: (m.open_cases, category not in m.skills, m.staff_id))


def choose(
    members: Iterable[StaffMember],
    unit_code: str,
    *,
    category: str,
    at: datetime,
    excluded: Mapping[str, str],
) -> tuple[StaffMember | None, list[Verdict]]:
    """The eligible member with the best rank; a verdict with a reason for everyone."""
    eligible: list[StaffMember] = []
    verdicts: list[Verdict] = []
    for m in members:
        off = m.off_duty_at(at)
        if m.staff_id in excluded:
            verdicts.append(Verdict(m, unit_code, False, excluded[m.staff_id]))
        elif not m.active:
            verdicts.append(Verdict(m, unit_code, False, "已停用 inactive"))
        elif off is not None:
            verdicts.append(
                Verdict(
                    m,
                    unit_code,
                    False,
                    f"离岗至 {off.end:%Y-%m-%d %H:%M} off duty until {off.end.isoformat()}"
                    + (f"（{off.reason}）" if off.reason else ""),
                )
            )
        elif m.open_cases >= m.capacity:
            verdicts.append(
                Verdict(
                    m,
                    unit_code,
                    False,
                    f"已满负荷 at capacity {m.open_cases}/{m.capacity}",
                )
            )
        else:
            eligible.append(m)
    ranked = _rank(eligible, category)
    chosen = ranked[0] if ranked else None
    ranked_verdicts: list[Verdict] = []
    for m in ranked:
        skill = "，擅长该类型 skilled in it" if category in m.skills else ""
        if m is chosen:
            reason = f"负荷最低 lowest load {m.open_cases}/{m.capacity}{skill}"
        elif chosen is not None and m.open_cases == chosen.open_cases:
            if (category in m.skills) == (category in chosen.skills):
                reason = f"负荷相同，编号靠后 same load {m.open_cases}/{m.capacity}, later id"
            else:
                reason = (
                    f"负荷相同，无该类型专长 same load {m.open_cases}/{m.capacity}, "
                    f"not skilled in {category}"
                )
        else:
            reason = f"负荷更高 higher load {m.open_cases}/{m.capacity}{skill}"
        ranked_verdicts.append(Verdict(m, unit_code, m is chosen, reason))
    return chosen, ranked_verdicts + verdicts


def search_upward(
    slot: str,
    roles: tuple[str, ...],
    chain: list[OrgUnit],
    staff_by_unit: Mapping[str, list[StaffMember]],
    *,
    category: str,
    at: datetime,
    excluded: Mapping[str, str],
) -> Pick:
    """Try ``roles`` at each unit of ``chain`` (nearest first) until someone is eligible."""
    pick = Pick(slot, roles, chain[0].code if chain else "", None)
    tried_any = False
    for unit in chain:
        roles_here = [r for r in roles if unit.level in HOME_LEVELS[r]]
        if slot == "lead" and unit.level in ("street", "district") and CENTRE_OPERATOR not in roles:
            roles_here.append(CENTRE_OPERATOR)
        for role in roles_here:
            members = [m for m in staff_by_unit.get(unit.code, []) if m.role == role]
            chosen, verdicts = choose(
                members, unit.code, category=category, at=at, excluded=excluded
            )
            pick.verdicts += verdicts
            where = f"{LEVEL_ZH[unit.level]} {unit.name}（{unit.code}）"
            if chosen is not None:
                backstop = role not in roles
                pick.steps.append(
                    f"{where}：选定{ROLE_ZH[role]} {chosen.name}"
                    + ("（逐级上移）" if tried_any else "")
                    + ("（综治中心兜底）" if backstop else "")
                    + f" — {role} {chosen.staff_id} chosen at {unit.code}"
                    + (" after falling back upward" if tried_any else "")
                    + (" (centre backstop)" if backstop else "")
                )
                pick.unit_code, pick.chosen = unit.code, chosen
                return pick
            tried_any = True
            pick.steps.append(
                f"{where}：无可用{ROLE_ZH[role]}（{len(members)} 人均不可用），上移 — "
                f"no eligible {role} among {len(members)} at {unit.code}, moving up"
            )
    if chain:
        pick.unit_code = chain[-1].code
    pick.steps.append("无人可派，由单位兜底 — nobody eligible; the unit itself owns the case")
    return pick


@dataclass
class Decision:
    """A routing decision and everything needed to explain it."""

    policy_version: int
    rule_id: str
    rule_name: str
    rule_reasons: list[str]
    also_matched: list[str]
    location: Location
    lead: Pick
    co_handlers: list[Pick]
    informed: list[Pick]

    @property
    def unit_code(self) -> str:
        return self.lead.unit_code

    @property
    def assignee(self) -> StaffMember | None:
        return self.lead.chosen

    def text(self) -> str:
        who = (
            f"{self.assignee.name}（{ROLE_ZH[self.assignee.role]}）"
            if self.assignee
            else "无合适人员，由单位兜底"
        )
        extra = [p.chosen.name for p in self.co_handlers if p.chosen]
        tail = f"，协同：{'、'.join(extra)}" if extra else ""
        return f"规则 {self.rule_id}（{self.rule_name}）：单位 {self.unit_code}，指派 {who}{tail}"

    def explanation(self) -> dict[str, Any]:
        return {
            "text": self.text(),
            "policy_version": self.policy_version,
            "rule": {
                "id": self.rule_id,
                "name": self.rule_name,
                "matched_because": self.rule_reasons,
                "also_matched": self.also_matched,
            },
            "located_by": self.location.located_by,
            "location": {"unit_code": self.location.unit_code, "note": self.location.note},
            "steps": self.lead.steps,
            "candidates": [v.as_dict() for v in self.lead.verdicts],
            "co_handlers": [p.as_dict() for p in self.co_handlers],
            "informed": [p.as_dict() for p in self.informed],
        }


def start_unit(location_code: str, start_level: str | None, units: Mapping[str, OrgUnit]) -> str:
    """The rule's start level above the located unit (or the located unit itself)."""
    if start_level is None:
        return location_code
    for code in chain_of(location_code, units):
        if LEVELS.index(units[code].level) <= LEVELS.index(start_level):
            return code
    return location_code


def decide(
    case: CaseFacts,
    location: Location,
    match: RuleMatch,
    policy: Policy,
    units: Mapping[str, OrgUnit],
    staff: Iterable[StaffMember],
    *,
    at: datetime,
    excluded: Mapping[str, str] | None = None,
    above: str | None = None,
    start_at: str | None = None,
    also_roles: tuple[str, ...] = (),
) -> Decision:
    """Route ``case`` located at ``location`` by the matched rule.

    ``above`` (escalation) starts the lead's search at that unit's parent instead;
    ``start_at`` (a handover, 转办, to a named unit) at that unit; ``also_roles`` are
    tried after the rule's for the lead (a case handed down, 交办, to a unit whose
    people the rule does not name).
    """
    excluded = excluded or {}
    by_unit: dict[str, list[StaffMember]] = {}
    for m in staff:
        for code in m.units_served:
            by_unit.setdefault(code, []).append(m)
    rule = match.rule
    if above is not None:
        parent = units[above].parent_code if above in units else None
        lead_start = parent or above
    elif start_at is not None and start_at in units:
        lead_start = start_at
    else:
        lead_start = start_unit(location.unit_code, rule.start_level, units)
    lead_chain = [units[c] for c in chain_of(lead_start, units)]
    full_chain = [units[c] for c in chain_of(location.unit_code, units)]
    lead_roles = tuple(dict.fromkeys((*rule.roles, *also_roles)))
    lead = search_upward(
        "lead", lead_roles, lead_chain, by_unit, category=case.category, at=at, excluded=excluded
    )
    taken = {lead.chosen.staff_id: "已是主办人 already the lead"} if lead.chosen else {}
    co_handlers = [
        search_upward(
            "also_assign",
            (role,),
            full_chain,
            by_unit,
            category=case.category,
            at=at,
            excluded={**excluded, **taken},
        )
        for role in rule.also_assign
    ]
    informed = [
        search_upward(
            "inform", (role,), full_chain, by_unit, category=case.category, at=at, excluded=taken
        )
        for role in rule.inform
    ]
    return Decision(
        policy_version=policy.version,
        rule_id=rule.id,
        rule_name=rule.name,
        rule_reasons=match.reasons,
        also_matched=match.also_matched,
        location=location,
        lead=lead,
        co_handlers=co_handlers,
        informed=informed,
    )
