"""Commands intake accepts (imperative, plain dataclasses; validated at the edge)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    lng: float
    lat: float


@dataclass(frozen=True)
class SubmitReport:
    kind: str  # "report" | "dispute"
    category: str
    title: str
    description: str
    source: str
    location: Point | None
    original_location: Point | None
    crs: str | None
    grid_code: str | None
    address: str | None
    people_involved: int | None = None
    risk_signals: list[str] = field(default_factory=list)
    reporter: dict[str, str] = field(default_factory=dict)
