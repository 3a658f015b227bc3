"""Events the routing service produces.

``case.assigned`` goes on ``gridcase.case.v1`` (keyed by case id); registry changes go
on ``gridcase.registry.v1`` (keyed by unit code or staff id) so that other services and
the governance centre can mirror the organisation tree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.payload import Contract, Payload

UnitLevel = Literal["district", "street", "community", "grid"]


AssignmentTrigger = Literal[
    "submitted",
    "rejected",
    "recusal",
    "escalation",
    "handed_over",
    "handed_down",
    "meeting_decision",
    "handed_to_colleague",
]
"""Why a case was (re)assigned: ``escalation`` is 上报 (asked for, or decided by
escalation: its ``trigger_reason`` says which), ``handed_over`` 转办 to another unit,
``handed_down`` 交办 by a centre to a unit below it, ``meeting_decision`` a regular
meeting (例会) named the staff member who takes it over, ``handed_to_colleague``
委员会内转交 to a named colleague of the same unit."""


class Candidate(Contract):
    staff_id: str
    name: str
    role: str
    chosen: bool
    reason: str
    unit_code: str | None = None


class Participant(Contract):
    """Someone besides the lead: a co-handler (carries the case too) or a person informed."""

    staff_id: str
    name: str
    role: str
    unit_code: str
    involvement: Literal["co_handler", "informed"]


class CaseAssignedV1(Payload):
    """Routing assigned a case to a unit and a person, with the reasons why."""

    event_type: ClassVar[str] = "cn.gridcase.case.assigned.v1"
    producer: ClassVar[str] = "routing"

    case_id: str
    assignment_id: str
    unit_code: str
    unit_level: UnitLevel
    unit_name: str
    assignee_id: str | None
    assignee_name: str | None
    assignee_role: str | None
    also_notified: list[str] = Field(default_factory=list)
    rule: str
    explanation: str
    candidates: list[Candidate] = Field(default_factory=list)
    assigned_at: datetime
    # Added with the routing issue; optional so that older events still validate.
    trigger: AssignmentTrigger = "submitted"
    supersedes_assignment_id: str | None = None
    trigger_reason: str | None = None
    policy_version: int | None = None
    located_by: str | None = None
    participants: list[Participant] = Field(default_factory=list)

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "assignment_id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "unit_code": "451102001001",
        "unit_level": "community",
        "unit_name": "示范社区",
        "assignee_id": "med-1",
        "assignee_name": "王调解",
        "assignee_role": "mediator",
        "also_notified": ["pol-1"],
        "rule": "dispute",
        "explanation": "矛盾纠纷：由社区人民调解委员会调解。",
        "candidates": [
            {
                "staff_id": "med-1",
                "name": "王调解",
                "role": "mediator",
                "chosen": True,
                "reason": "在办案件最少",
                "unit_code": "451102001001",
            }
        ],
        "assigned_at": "2026-12-02T09:30:02+08:00",
        "trigger": "submitted",
        "policy_version": 1,
        "located_by": "point",
        "participants": [
            {
                "staff_id": "pol-1",
                "name": "赵民警",
                "role": "community_police",
                "unit_code": "451102001001",
                "involvement": "informed",
            }
        ],
    }


class UnitUpsertedV1(Payload):
    """A unit of the organisation tree was created or changed (keyed by its code)."""

    event_type: ClassVar[str] = "cn.gridcase.registry.unit-upserted.v1"
    producer: ClassVar[str] = "routing"

    code: str
    name: str
    level: UnitLevel
    parent_code: str | None
    area_type: Literal["urban", "rural"] | None = None
    boundary: dict[str, Any] | None = None  # GeoJSON geometry, WGS84
    changed_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "code": "451102001001005",
        "name": "示范社区第五网格",
        "level": "grid",
        "parent_code": "451102001001",
        "area_type": "urban",
        "boundary": {
            "type": "Polygon",
            "coordinates": [
                [[111.56, 24.41], [111.565, 24.41], [111.565, 24.415], [111.56, 24.41]]
            ],
        },
        "changed_at": "2026-12-02T08:00:00+08:00",
    }


class UnitRemovedV1(Payload):
    """A unit was removed from the organisation tree (keyed by its code)."""

    event_type: ClassVar[str] = "cn.gridcase.registry.unit-removed.v1"
    producer: ClassVar[str] = "routing"

    code: str
    changed_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "code": "451102001001005",
        "changed_at": "2026-12-02T08:30:00+08:00",
    }


StaffRole = Literal[
    "grid_officer", "mediator", "community_police", "legal_adviser", "centre_operator"
]


class StaffUpsertedV1(Payload):
    """A person was added to the staff registry or changed (keyed by staff id).

    Loads (open cases) are not registry facts and are not carried.
    """

    event_type: ClassVar[str] = "cn.gridcase.registry.staff-upserted.v1"
    producer: ClassVar[str] = "routing"

    staff_id: str
    name: str
    role: StaffRole
    unit_code: str
    covers: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    capacity: int
    active: bool = True
    employment: Literal["full_time", "part_time"] | None = None
    off_duty: list[dict[str, Any]] = Field(default_factory=list)
    changed_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "staff_id": "go-005",
        "name": "陈网格",
        "role": "grid_officer",
        "unit_code": "451102001001005",
        "covers": [],
        "skills": ["普通话", "壮语"],
        "capacity": 20,
        "active": True,
        "employment": "full_time",
        "off_duty": [],
        "changed_at": "2026-12-02T08:00:00+08:00",
    }


class StaffRemovedV1(Payload):
    """A person left the staff registry (keyed by staff id)."""

    event_type: ClassVar[str] = "cn.gridcase.registry.staff-removed.v1"
    producer: ClassVar[str] = "routing"

    staff_id: str
    changed_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "staff_id": "go-005",
        "changed_at": "2026-12-02T08:30:00+08:00",
    }


class RoutingPolicyChangedV1(Payload):
    """A new version of the routing policy is in force (keyed ``routing-policy``)."""

    event_type: ClassVar[str] = "cn.gridcase.registry.routing-policy-changed.v1"
    producer: ClassVar[str] = "routing"

    version: int
    rules: list[dict[str, Any]]
    note: str | None = None
    changed_at: datetime

    example: ClassVar[dict[str, Any]] = {
        "version": 2,
        "rules": [
            {
                "id": "catch-all",
                "name": "兜底：网格员",
                "when": {},
                "roles": ["grid_officer"],
                "start_level": "grid",
                "also_assign": [],
                "inform": [],
            }
        ],
        "note": "示例",
        "changed_at": "2026-12-02T08:00:00+08:00",
    }
