"""What a handler, a reporter or a supervisor asks of a situation report's file: one
command per step (DOMAIN.md "Case work": 受理, 办理, 反馈, 验证/回退, 结案, 转办)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.mediation.domain.report_file import ReportResult


@dataclass(frozen=True)
class AcceptReport:
    """受理."""

    note: str | None = None


@dataclass(frozen=True)
class RecordAction:
    """办理: something done, with photos already uploaded to intake (sha256 digests)."""

    description: str
    at: datetime
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class GiveFeedback:
    """反馈 to the reporter; the report then waits for verification."""

    result: ReportResult
    content: str


@dataclass(frozen=True)
class Verify:
    """验证 confirmed, on site or not."""

    on_site: bool
    note: str | None = None


@dataclass(frozen=True)
class SendBack:
    """回退: verification found the report not dealt with; back to handling."""

    reason: str
    on_site: bool = True


@dataclass(frozen=True)
class HandOver:
    """转办: not this unit's responsibility; routing assigns another."""

    reason: str
    to_unit_code: str | None = None


@dataclass(frozen=True)
class CloseReport:
    """结案 after verification."""


ReportCommand = (
    AcceptReport | RecordAction | GiveFeedback | Verify | SendBack | HandOver | CloseReport
)
