"""Events the routing service produces.

``case.assigned`` goes on ``gridcase.case.v1`` (keyed by case id); registry changes go
on ``gridcase.registry.v1`` (keyed by unit code or staff id) so that other services and
the governance centre can mirror the organisation tree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from shared.events.payload import Payload

UnitLevel = Literal["district", "street", "community", "grid"]


AssignmentTrigger = Literal["submitted", "rejected", "recusal", "escalation"]


class Candidate(BaseModel):
    staff_id: str
    name: str
    role: str
    chosen: bool
    reason: str
    unit_code: str | None = None


class Participant(BaseModel):
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


class UnitRemovedV1(Payload):
    event_type: ClassVar[str] = "cn.gridcase.registry.unit-removed.v1"
    producer: ClassVar[str] = "routing"

    code: str
    changed_at: datetime


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


class StaffRemovedV1(Payload):
    event_type: ClassVar[str] = "cn.gridcase.registry.staff-removed.v1"
    producer: ClassVar[str] = "routing"

    staff_id: str
    changed_at: datetime


class RoutingPolicyChangedV1(Payload):
    """A new version of the routing policy is in force (keyed ``routing-policy``)."""

    event_type: ClassVar[str] = "cn.gridcase.registry.routing-policy-changed.v1"
    producer: ClassVar[str] = "routing"

    version: int
    rules: list[dict[str, Any]]
    note: str | None = None
    changed_at: datetime


PAYLOADS: tuple[type[Payload], ...] = (
    CaseAssignedV1,
    UnitUpsertedV1,
    UnitRemovedV1,
    StaffUpsertedV1,
    StaffRemovedV1,
    RoutingPolicyChangedV1,
)
