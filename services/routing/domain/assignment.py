"""Choosing who handles a case, with the reasons kept for every candidate."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str
    unit_code: str
    open_cases: int
    capacity: int
    on_duty: bool = True


@dataclass(frozen=True)
class CandidateVerdict:
    staff: StaffMember
    chosen: bool
    reason: str


@dataclass
class Decision:
    unit_code: str
    rule: str
    chosen: StaffMember | None
    verdicts: list[CandidateVerdict] = field(default_factory=list)

    def explanation(self) -> str:
        who = (
            f"{self.chosen.name}（{self.chosen.role}）" if self.chosen else "无合适人员，由单位兜底"
        )
        return f"规则 {self.rule}：单位 {self.unit_code}，指派 {who}"


def choose_lowest_load(unit_code: str, rule: str, role: str, staff: list[StaffMember]) -> Decision:
    """Among staff of ``role`` in the unit, the on-duty one with the lowest load under capacity."""
    eligible: list[StaffMember] = []
    verdicts: list[CandidateVerdict] = []
    rejected: list[CandidateVerdict] = []
    for member in staff:
        if member.role != role:
            continue
        if not member.on_duty:
            rejected.append(CandidateVerdict(member, False, "不在岗 off duty"))
        elif member.open_cases >= member.capacity:
            rejected.append(
                CandidateVerdict(member, False, f"已满负荷 at capacity {member.capacity}")
            )
        else:
            eligible.append(member)
    eligible.sort(key=lambda m: (m.open_cases, m.staff_id))
    chosen = eligible[0] if eligible else None
    for member in eligible:
        if member is chosen:
            verdicts.append(
                CandidateVerdict(member, True, f"负荷最低 lowest load ({member.open_cases})")
            )
        else:
            verdicts.append(
                CandidateVerdict(member, False, f"负荷更高 higher load ({member.open_cases})")
            )
    return Decision(unit_code, rule, chosen, verdicts + rejected)
