"""Events the intake service produces, keyed by case id.

On the public ``gridcase.case.v1`` personal data of dispute parties travels only
masked (``110***********1234``, ``138****5678``), and so do phone and ID numbers typed
into the free text (``shared.privacy.free_text``). The full values go only to the
restricted ``gridcase.case.restricted.v1`` (``CasePartiesV1``, ``CaseTextV1``), which
production limits with Kafka ACLs.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from shared.events.payload import GeoPoint, Payload


class PartyV1(BaseModel):
    """A dispute party as the stream may carry it: role, masked name and numbers."""

    role: str
    name_masked: str
    id_number_masked: str | None = None
    phone_masked: str | None = None


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
    # Added by the intake issue; optional so that earlier events still validate.
    subcategory: str | None = None
    channel: Literal["officer", "resident", "desk", "open311"] | None = None
    reporter_staff_id: str | None = None
    original_location: GeoPoint | None = None
    original_crs: str | None = None
    jurisdiction_checked: bool | None = None
    facts: str | None = None
    amount_involved: Decimal | None = None
    parties: list[PartyV1] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)  # sha256 of each blob


class ReportLinkedV1(Payload):
    """A new report duplicated an open case and was linked to it instead (keyed by case)."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-linked.v1"
    producer: ClassVar[str] = "intake"

    case_id: str
    report_id: str
    report_number: str
    channel: str
    distance_m: float | None = None
    linked_at: datetime


class PartyFullV1(BaseModel):
    """A dispute party in full: only on the restricted topic."""

    role: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


class CasePartiesV1(Payload):
    """The parties of a new dispute in full (restricted topic; published with the case)."""

    event_type: ClassVar[str] = "cn.gridcase.restricted.case-parties.v1"
    producer: ClassVar[str] = "intake"

    case_id: str
    case_number: str
    parties: list[PartyFullV1]
    submitted_at: datetime


class CaseTextV1(Payload):
    """A new case's free text in full (restricted topic; published with the case when
    the case event carries it masked because it holds phone or ID numbers)."""

    event_type: ClassVar[str] = "cn.gridcase.restricted.case-text.v1"
    producer: ClassVar[str] = "intake"

    case_id: str
    case_number: str
    title: str
    description: str
    facts: str | None = None
    address: str | None = None
    submitted_at: datetime


PAYLOADS: tuple[type[Payload], ...] = (
    CaseSubmittedV1,
    ReportLinkedV1,
    CasePartiesV1,
    CaseTextV1,
)
