"""Events the intake service produces (on ``gridcase.case.v1``, keyed by case id)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.events.payload import GeoPoint, Payload


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


PAYLOADS: tuple[type[Payload], ...] = (CaseSubmittedV1,)
