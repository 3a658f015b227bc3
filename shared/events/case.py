"""Payloads of the case stream (``gridcase.case.v1``), versioned per type.

Each payload is owned by the service that produces it. A breaking change gets a new
``.v2`` type next to the old one; consumers ignore types they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event payload: its CloudEvents ``type`` and producing service."""

    model_config = ConfigDict(extra="forbid")
    event_type: ClassVar[str]
    producer: ClassVar[str]


class GeoPoint(BaseModel):
    """A WGS84 point (EPSG:4326); the original coordinates are kept beside it."""

    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class CaseSubmittedV1(Payload):
    """Intake accepted a report or dispute and opened a case for it."""

    event_type: ClassVar[str] = "cn.gridcase.case.submitted.v1"
    producer: ClassVar[str] = "intake"

    case_id: str
    case_number: str
    kind: Literal["report", "dispute"]
    category: str
    title: str
    description: str
    source: str = "上报"
    location: GeoPoint | None = None
    grid_code: str | None = None
    address: str | None = None
    risk_signals: list[str] = Field(default_factory=list)
    people_involved: int | None = None
    submitted_at: datetime


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
    unit_level: Literal["grid", "community", "street", "district"]
    unit_name: str
    assignee_id: str | None
    assignee_name: str | None
    assignee_role: str | None
    also_notified: list[str] = Field(default_factory=list)
    rule: str
    explanation: str
    candidates: list[Candidate] = Field(default_factory=list)
    assigned_at: datetime


CASE_PAYLOADS: tuple[type[Payload], ...] = (CaseSubmittedV1, CaseAssignedV1)
