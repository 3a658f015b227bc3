"""Extensions (延期): a handler asks the level above for more working days on a running
stage; the level above approves (as many days as asked or fewer) or refuses, in words.
DOMAIN.md "Time limits and supervision": "Extensions are requested in working days and
approved above." Pure: validation and the arithmetic of moving a clock.

An approved extension moves the clock's due time, warning, yellow and red cards by the
granted working days each (the calendar decides which days count) and keeps the time of
day; the clock is fixed from then on (a calendar correction no longer recomputes it).
A pending request does not stop the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, get_args

from services.escalation.domain.clocks import BEIJING, Basis, Deadlines, local_day
from shared.events.escalation import ExtensionReason
from shared.working_calendar import WorkingCalendar

MAX_DAYS = 99
MAX_WORDS = 1000
REASONS: tuple[str, ...] = get_args(ExtensionReason)
STATES = ("pending", "approved", "refused")

Problem = tuple[str, str, str, str]  # field, code, English, Chinese


class ExtensionInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p[2] for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ExtensionRequest:
    stage: str
    days: int
    reason: str
    words: str


@dataclass(frozen=True)
class Decision:
    approved: bool
    days: int  # granted; 0 when refused
    words: str | None


def _whole_days(value: Any, field: str, upper: int, problems: list[Problem]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(
            (field, "whole_days", "A whole number of working days.", "应为整数个工作日。")
        )
        return None
    if not 1 <= value <= upper:
        problems.append(
            (
                field,
                "range",
                f"Between 1 and {upper} working days.",
                f"应在 1 至 {upper} 个工作日之间。",
            )
        )
        return None
    return value


def _words(value: Any, field: str, problems: list[Problem], required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append((field, "required", "Say why, in words.", "请填写理由。"))
        return None
    if not isinstance(value, str) or len(value) > MAX_WORDS:
        problems.append(
            (
                field,
                "text",
                f"Text of at most {MAX_WORDS} characters.",
                f"应为不超过 {MAX_WORDS} 字的文字。",
            )
        )
        return None
    return value.strip()


def validate_request(raw: dict[str, Any], stages: tuple[str, ...]) -> ExtensionRequest:
    problems: list[Problem] = []
    stage = raw.get("stage")
    if stage not in stages:
        problems.append(
            (
                "stage",
                "stage",
                f"One of {', '.join(stages)}.",
                f"应为以下环节之一：{'、'.join(stages)}。",
            )
        )
    days = _whole_days(raw.get("days"), "days", MAX_DAYS, problems)
    reason = raw.get("reason")
    if reason not in REASONS:
        problems.append(
            (
                "reason",
                "reason",
                f"One of {', '.join(REASONS)}.",
                f"延期原因应为以下之一：{'、'.join(REASONS)}。",
            )
        )
    words = _words(raw.get("reason_text"), "reason_text", problems, required=True)
    if problems:
        raise ExtensionInvalid(problems)
    assert days is not None and words is not None
    return ExtensionRequest(str(stage), days, str(reason), words)


def validate_decision(raw: dict[str, Any], requested_days: int) -> Decision:
    """Approve with at most the days asked for, or refuse in words."""
    problems: list[Problem] = []
    decision = raw.get("decision")
    if decision not in ("approved", "refused"):
        problems.append(
            (
                "decision",
                "decision",
                "approved or refused.",
                "应为 approved（批准）或 refused（不批准）。",
            )
        )
        raise ExtensionInvalid(problems)
    if decision == "refused":
        words = _words(raw.get("note"), "note", problems, required=True)
        if problems:
            raise ExtensionInvalid(problems)
        return Decision(False, 0, words)
    days = _whole_days(raw.get("days", requested_days), "days", requested_days, problems)
    words = _words(raw.get("note"), "note", problems, required=False)
    if problems:
        raise ExtensionInvalid(problems)
    assert days is not None
    return Decision(True, days, words)


def _later(calendar: WorkingCalendar, instant: datetime, days: int) -> datetime:
    local = instant.astimezone(BEIJING)
    return datetime.combine(calendar.add_working_days(local_day(instant), days), local.timetz())


def extended(
    calendar: WorkingCalendar, basis: Basis | None, current: Deadlines, days: int
) -> tuple[Basis | None, Deadlines]:
    """The clock ``days`` working days later: due, warning, yellow and red each."""
    moved = Deadlines(
        _later(calendar, current.due_at, days),
        _later(calendar, current.yellow_at, days),
        _later(calendar, current.red_at, days),
        _later(calendar, current.warn_at, days) if current.warn_at is not None else None,
    )
    return (replace(basis, fixed=True) if basis is not None else None), moved
