"""A situation report's case file (事件办理记录): its sections as plain values.

A report (社情民意 / 事件) is worked in the steps of grid management practice (DOMAIN.md
"Case work"): 受理 accept → 办理 handle (actions, photos) → 反馈 feedback to the
reporter → 验证 verify on site, or 回退 send back → 结案 close; 转办 hands it to
another unit through routing. Each section is the step log an audit reads: who, which
unit, what, when, in sequence. The state machine that fills them is
``situation_report.SituationReport``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReportResult(StrEnum):
    """What the handler reports back, and what the file closes with."""

    RESOLVED = "resolved"  # 已解决
    NOT_RESOLVABLE = "not_resolvable"  # 无法解决 (beyond the unit's powers; say why)


class VerificationOutcome(StrEnum):
    CONFIRMED = "confirmed"  # 核查通过
    RETURNED = "returned"  # 回退


@dataclass(frozen=True)
class ReportAcceptance:
    """受理: the handler took the report on."""

    at: datetime
    by: str
    unit_code: str | None
    note: str | None = None


@dataclass(frozen=True)
class HandlingAction:
    """One thing done about the report (办理), with its photos: sha256 digests of
    attachments stored by intake (``POST /attachments``)."""

    number: int
    at: datetime
    by: str
    description: str
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    """反馈: what the handler tells the reporter; it asks for verification."""

    at: datetime
    by: str
    result: ReportResult
    content: str


@dataclass(frozen=True)
class Verification:
    """验证: the reporter or a supervisor checked (on site or not) and confirmed or sent
    the report back (回退) with the reason."""

    at: datetime
    by: str
    role: str
    outcome: VerificationOutcome
    on_site: bool
    note: str | None = None


@dataclass(frozen=True)
class Handover:
    """转办: a unit that is not responsible hands the report on through routing."""

    at: datetime
    by: str
    from_unit_code: str | None
    from_handler_id: str  # routing excludes them when it assigns the report again
    reason: str
    to_unit_code: str | None = None


@dataclass(frozen=True)
class ReportClosing:
    """结案."""

    at: datetime
    by: str
    result: ReportResult
    days_taken: int
