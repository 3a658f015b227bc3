"""Commands intake accepts (imperative, plain dataclasses; validated at the edge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Point:
    lng: float
    lat: float


@dataclass(frozen=True)
class Location:
    """Where it happened: a WGS84 point (with the point as sent), a grid code or an address."""

    point: Point | None = None
    original: Point | None = None
    crs: str | None = None
    grid_code: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Party:
    """A party to a dispute. Personal information: never logged, masked on the stream."""

    role: str  # 申请人 | 被申请人
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Reporter:
    """Who submitted: a grid officer (staff id), a resident (contact), desk or Open311."""

    channel: str  # "officer" | "resident" | "desk" | "open311"
    staff_id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    anonymous: bool = False
    device_id: str | None = None


@dataclass(frozen=True)
class SubmitReport:
    kind: str  # "report" | "dispute"
    category: str  # report class, or the dispute type
    title: str
    description: str
    location: Location
    reporter: Reporter
    source: str = "上报"
    subcategory: str | None = None
    facts: str | None = None
    amount_involved: Decimal | None = None
    people_involved: int | None = None
    parties: tuple[Party, ...] = ()
    risk_signals: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    client_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    # Found in screening (排查): the task whose return reports it.
    screening_task_id: str | None = None


@dataclass(frozen=True)
class WriteDiaryEntry:
    """A grid officer's public-sentiment diary entry (民情日记)."""

    staff_id: str
    content: str
    occurred_on: str  # ISO date
    location: Location
    client_id: str | None = None


@dataclass(frozen=True)
class PromoteDiaryEntry:
    """Turn a diary entry into a report (the officer adds category and title)."""

    staff_id: str
    entry_id: str
    kind: str
    category: str
    title: str
    subcategory: str | None = None
    # Given by the officer: replaces the entry's place (an entry may have none).
    location: Location | None = None
