"""The people who handle cases, where they serve, and when they can take one.

A mediation committee (人民调解委员会) is not a separate record: it is the set of
mediators whose home unit is that community or street, so "committee of community X"
is simply the mediators of X.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.routing.domain.registry import Issue, OrgUnit

GRID_OFFICER = "grid_officer"
MEDIATOR = "mediator"
COMMUNITY_POLICE = "community_police"
LEGAL_ADVISER = "legal_adviser"
CENTRE_OPERATOR = "centre_operator"

ROLE_ZH = {
    GRID_OFFICER: "网格员",
    MEDIATOR: "人民调解员",
    COMMUNITY_POLICE: "社区民警",
    LEGAL_ADVISER: "法律顾问",
    CENTRE_OPERATOR: "综治中心工作人员",
}
# Which levels a role's home unit may be at.
HOME_LEVELS = {
    GRID_OFFICER: ("grid",),
    MEDIATOR: ("community", "street"),
    COMMUNITY_POLICE: ("community",),
    LEGAL_ADVISER: ("community",),
    # 综治中心 at community, street and district level (a community's 综治中心 or
    # 综治工作站); routing's backstop still starts at the street (``routing.search_upward``).
    CENTRE_OPERATOR: ("community", "street", "district"),
}
EMPLOYMENTS = ("full_time", "part_time")
MIN_COMMITTEE = 3  # People's Mediation Law art. 8: 3 to 9 members


@dataclass(frozen=True)
class OffDuty:
    """A period in which the person takes no new case (leave, training, rest)."""

    start: datetime
    end: datetime
    reason: str = ""

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str
    unit_code: str  # home unit: a grid, a committee's unit, a centre's unit
    open_cases: int = 0
    capacity: int = 20
    active: bool = True  # false: left, suspended; never chosen
    covers: tuple[str, ...] = ()  # further units served (a part-time officer's villages)
    skills: tuple[str, ...] = ()  # dispute types the person is good at
    employment: str | None = None  # full_time | part_time (police)
    off_duty: tuple[OffDuty, ...] = ()
    phone: str | None = None

    @property
    def units_served(self) -> tuple[str, ...]:
        return (self.unit_code, *self.covers)

    def off_duty_at(self, at: datetime) -> OffDuty | None:
        return next((p for p in self.off_duty if p.covers(at)), None)

    def as_row(self) -> dict[str, Any]:
        return {
            "staff_id": self.staff_id,
            "name": self.name,
            "role": self.role,
            "unit_code": self.unit_code,
            "capacity": self.capacity,
            "on_duty": self.active,
            "covers": list(self.covers),
            "skills": list(self.skills),
            "employment": self.employment,
            "off_duty": [
                {"start": p.start.isoformat(), "end": p.end.isoformat(), "reason": p.reason}
                for p in self.off_duty
            ],
            "phone": self.phone,
        }


def validate_staff(
    members: list[tuple[str, StaffMember]], units: dict[str, OrgUnit]
) -> list[Issue]:
    """Problems with staff records (``where`` first): unknown units, wrong levels, bad values."""
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for where, m in members:
        sid = m.staff_id
        if not sid.strip():
            issues.append(Issue(where, "missing-staff-id", "No staff id.", "缺少人员编号。"))
        elif sid in seen:
            issues.append(
                Issue(
                    where,
                    "duplicate-staff-id",
                    f"Staff id {sid} already at {seen[sid]}.",
                    f"人员编号 {sid} 与 {seen[sid]} 重复。",
                    sid,
                )
            )
        seen.setdefault(sid, where)
        if not m.name.strip():
            issues.append(Issue(where, "missing-name", "No name.", "缺少姓名。", sid))
        if m.role not in HOME_LEVELS:
            issues.append(
                Issue(
                    where,
                    "unknown-role",
                    f"Unknown role {m.role!r}.",
                    f"未知角色 {m.role!r}。",
                    sid,
                )
            )
            continue
        for code in m.units_served:
            if code not in units:
                issues.append(
                    Issue(
                        where,
                        "unknown-unit",
                        f"Unit {code} is not in the registry.",
                        f"单位 {code} 不在登记册中。",
                        sid,
                    )
                )
        home = units.get(m.unit_code)
        if home is not None and home.level not in HOME_LEVELS[m.role]:
            allowed = " or ".join(HOME_LEVELS[m.role])
            issues.append(
                Issue(
                    where,
                    "wrong-unit-level",
                    f"A {m.role} belongs to a {allowed}, not a {home.level}.",
                    f"{ROLE_ZH[m.role]}不能隶属于{home.level}级单位。",
                    sid,
                )
            )
        if m.capacity < 0:
            issues.append(
                Issue(
                    where, "bad-capacity", "Capacity cannot be negative.", "容量不能为负数。", sid
                )
            )
        if m.employment is not None and m.employment not in EMPLOYMENTS:
            issues.append(
                Issue(
                    where,
                    "bad-employment",
                    "Employment is full_time or part_time.",
                    "任职方式必须是 full_time（专职）或 part_time（兼职）。",
                    sid,
                )
            )
        for period in m.off_duty:
            if period.end <= period.start:
                issues.append(
                    Issue(
                        where,
                        "bad-off-duty",
                        "An off-duty period ends before it starts.",
                        "离岗时段的结束时间早于开始时间。",
                        sid,
                    )
                )
    return issues


@dataclass
class CoverageReport:
    """Gaps in who serves where, each listed by unit code and name."""

    grids_without_officer: list[dict[str, str]] = field(default_factory=list)
    communities_without_police: list[dict[str, str]] = field(default_factory=list)
    urban_communities_without_full_time_police: list[dict[str, str]] = field(default_factory=list)
    communities_without_legal_adviser: list[dict[str, str]] = field(default_factory=list)
    small_committees: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not any(
            (
                self.grids_without_officer,
                self.communities_without_police,
                self.urban_communities_without_full_time_police,
                self.communities_without_legal_adviser,
                self.small_committees,
            )
        )


def coverage(units: Iterable[OrgUnit], staff: Iterable[StaffMember]) -> CoverageReport:
    """Which grids lack an officer, communities lack police or a legal adviser, and which
    mediation committees have fewer than three members. Inactive people do not count."""
    by_role: dict[str, dict[str, list[StaffMember]]] = {}
    for m in staff:
        if not m.active:
            continue
        for code in m.units_served:
            by_role.setdefault(m.role, {}).setdefault(code, []).append(m)
    officers = by_role.get(GRID_OFFICER, {})
    police = by_role.get(COMMUNITY_POLICE, {})
    advisers = by_role.get(LEGAL_ADVISER, {})
    committees = {code: ms for code, ms in by_role.get(MEDIATOR, {}).items()}
    report = CoverageReport()
    for unit in sorted(units, key=lambda u: u.code):
        entry = {"code": unit.code, "name": unit.name}
        if unit.level == "grid" and not officers.get(unit.code):
            report.grids_without_officer.append(entry)
        if unit.level == "community":
            here = police.get(unit.code, [])
            if not here:
                report.communities_without_police.append(entry)
            elif unit.area_type == "urban" and not any(p.employment == "full_time" for p in here):
                report.urban_communities_without_full_time_police.append(entry)
            if not advisers.get(unit.code):
                report.communities_without_legal_adviser.append(entry)
        members = [m for m in committees.get(unit.code, []) if m.unit_code == unit.code]
        # Every community has a committee by law; a street may or may not have one.
        has_committee = unit.level == "community" or (unit.level == "street" and members)
        if has_committee and len(members) < MIN_COMMITTEE:
            report.small_committees.append({**entry, "members": len(members)})
    return report
