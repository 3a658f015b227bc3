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
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.payload import Contract, GeoPoint, Payload


class PartyV1(Contract):
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
    # Found in screening (排查): the task whose return reported it (optional, later).
    screening_task_id: str | None = None

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "case_number": "GC202612020000123",
        "kind": "dispute",
        "category": "邻里纠纷",
        "title": "楼上漏水引发邻里纠纷",
        "description": "楼上卫生间漏水，双方就维修费用争执不下。",
        "source": "上报",
        "location": {"lng": 111.5625, "lat": 24.4125},
        "risk_signals": [],
        "people_involved": 2,
        "submitted_at": "2026-12-02T09:30:00+08:00",
        "channel": "desk",
        "reporter_staff_id": "op-451102-1",
        "original_location": {"lng": 111.5625, "lat": 24.4125},
        "original_crs": "WGS84",
        "jurisdiction_checked": True,
        "facts": "漏水已持续两周，楼下天花板受损。",
        "amount_involved": "3000",
        "parties": [
            {
                "role": "申请人",
                "name_masked": "张*",
                "id_number_masked": "110***********1234",
                "phone_masked": "138****5678",
            },
            {"role": "被申请人", "name_masked": "李*"},
        ],
    }


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

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "report_id": "5d2e8f1a-3b4c-4d5e-8f90-1a2b3c4d5e6f",
        "report_number": "GC202612020000124",
        "channel": "resident",
        "distance_m": 42.5,
        "linked_at": "2026-12-02T10:05:00+08:00",
    }


class PartyFullV1(Contract):
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

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "case_number": "GC202612020000123",
        "parties": [
            {
                "role": "申请人",
                "name": "张三",
                "id_number": "11010519491231002X",
                "phone": "13800005678",
                "address": "八步区示范社区 3 栋 201",
            },
            {"role": "被申请人", "name": "李四"},
        ],
        "submitted_at": "2026-12-02T09:30:00+08:00",
    }


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

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "case_number": "GC202612020000123",
        "title": "邻里噪音纠纷",
        "description": "楼上住户夜间噪音，联系电话 13800005678",
        "facts": None,
        "address": "八步区示范社区 3 栋 201",
        "submitted_at": "2026-12-02T09:30:00+08:00",
    }


class CaseRatedV1(Payload):
    """A resident rated the case's result (满意度) with their tracking token; one rating
    per case. The comment stays encrypted in intake: the event says only whether there
    is one."""

    event_type: ClassVar[str] = "cn.gridcase.case.rated.v1"
    producer: ClassVar[str] = "intake"

    case_id: str
    rating_id: str
    rating: Literal["satisfied", "basically_satisfied", "not_satisfied"]
    has_comment: bool
    rated_at: datetime
    # What intake knew of the case when it was rated (from the case stream).
    kind: Literal["report", "dispute"] | None = None
    unit_code: str | None = None

    example: ClassVar[dict[str, Any]] = {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "rating_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "rating": "basically_satisfied",
        "has_comment": True,
        "rated_at": "2026-12-21T15:00:00+08:00",
        "kind": "dispute",
        "unit_code": "451102001001",
    }


# --- Screening (排查) returns, on gridcase.cycle.v1, keyed by task id ------------------


class ScreeningReturnFiledV1(Payload):
    """A grid officer filed a screening return: the disputes found (each a case, its
    ``case.submitted`` naming the task) or a nil report (零报告) that nothing was found."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.screening-return-filed.v1"
    producer: ClassVar[str] = "intake"

    task_id: str
    grid_code: str
    period_key: str | None = None
    nil_report: bool
    case_ids: list[str] = Field(default_factory=list)
    note: str | None = None
    filed_at: datetime
    filed_by: str

    example: ClassVar[dict[str, Any]] = {
        "task_id": "3f0a6c8e-1b2d-5e4f-8a9b-0c1d2e3f4a5b",
        "grid_code": "451102001001002",
        "period_key": "451102:2026-12-01",
        "nil_report": False,
        "case_ids": ["0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01"],
        "note": None,
        "filed_at": "2026-12-20T16:30:00+08:00",
        "filed_by": "go-002",
    }


# --- end of screening --------------------------------------------------------------
