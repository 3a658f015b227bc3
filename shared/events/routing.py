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


class Candidate(BaseModel):
    staff_id: str
    name: str
    role: str
    chosen: bool
    reason: str


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


PAYLOADS: tuple[type[Payload], ...] = (CaseAssignedV1, UnitUpsertedV1, UnitRemovedV1)
