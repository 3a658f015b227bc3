"""Supervision (督办): a centre supervises a case of a unit below it, at a level (normal,
yellow card, red card); the handler owes an answer by a due time (working days); a red
card of certain stages issues a red-card supervision on its own; each supervision costs
the supervised unit assessment points, summed per unit and month (a cancelled one
does not count). DOMAIN.md "Time limits and supervision". How many days and points,
and which red cards, vary by district: ``supervision_policy.json``. Pure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, get_args

from services.escalation.domain.clocks import BEIJING, END_OF_WORKDAY, local_day
from services.escalation.domain.extensions import ExtensionInvalid, Problem
from shared.events.escalation import SupervisionLevel
from shared.working_calendar import CalendarGap, WorkingCalendar

POLICY_FILE = Path(__file__).parent / "supervision_policy.json"
LEVELS: tuple[str, ...] = get_args(SupervisionLevel)
STATES = ("open", "answered", "cancelled")
MAX_WORDS = 2000
MAX_ANSWER_DAYS = 30
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class SupervisionInvalid(ExtensionInvalid):
    """Field problems of a supervision request (same shape as an extension's)."""


@dataclass(frozen=True)
class DistrictPolicy:
    answer_due_days: dict[str, int]
    deductions: dict[str, float]
    red_card_stages: frozenset[str]
    red_card_answer_days: int


@dataclass(frozen=True)
class SupervisionPolicy:
    default: DistrictPolicy
    districts: dict[str, DistrictPolicy]

    def of(self, unit_code: str | None) -> DistrictPolicy:
        """The policy of the unit's district (its first six digits), else the default."""
        return self.districts.get((unit_code or "")[:6], self.default)


def _district(block: dict[str, Any], base: DistrictPolicy | None) -> DistrictPolicy:
    red = block.get("red_card", {})
    policy = DistrictPolicy(
        answer_due_days={
            **(base.answer_due_days if base else {}),
            **{k: int(v) for k, v in block.get("answer_due_days", {}).items()},
        },
        deductions={
            **(base.deductions if base else {}),
            **{k: float(v) for k, v in block.get("deductions", {}).items()},
        },
        red_card_stages=frozenset(red["stages"])
        if "stages" in red
        else (base.red_card_stages if base else frozenset()),
        red_card_answer_days=int(
            red.get("answer_due_days", base.red_card_answer_days if base else 2)
        ),
    )
    for level in LEVELS:
        if level not in policy.answer_due_days or level not in policy.deductions:
            raise ValueError(f"supervision policy lacks {level}")
    return policy


def parse_policy(data: dict[str, Any]) -> SupervisionPolicy:
    default = _district(data["default"], None)
    return SupervisionPolicy(
        default,
        {code: _district(block, default) for code, block in data.get("districts", {}).items()},
    )


def load_policy(path: Path = POLICY_FILE) -> SupervisionPolicy:
    return parse_policy(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class IssueRequest:
    level: str
    instructions: str
    answer_due_days: int | None  # None: the district's default for the level


def validate_issue(raw: dict[str, Any]) -> IssueRequest:
    problems: list[Problem] = []
    level = raw.get("level")
    if level not in LEVELS:
        problems.append(
            (
                "level",
                "level",
                f"One of {', '.join(LEVELS)}.",
                "督办级别应为 normal（一般）、yellow_card（黄牌）或 red_card（红牌）。",
            )
        )
    instructions = raw.get("instructions")
    if not isinstance(instructions, str) or not instructions.strip():
        problems.append(("instructions", "required", "Say what is to be done.", "请填写督办要求。"))
    elif len(instructions) > MAX_WORDS:
        problems.append(
            (
                "instructions",
                "text",
                f"At most {MAX_WORDS} characters.",
                f"不超过 {MAX_WORDS} 字。",
            )
        )
    days = raw.get("answer_due_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_ANSWER_DAYS
    ):
        problems.append(
            (
                "answer_due_days",
                "range",
                f"A whole number of working days, 1 to {MAX_ANSWER_DAYS}.",
                f"应为 1 至 {MAX_ANSWER_DAYS} 的整数个工作日。",
            )
        )
    if problems:
        raise SupervisionInvalid(problems)
    return IssueRequest(str(level), str(instructions).strip(), days)


def validate_words(raw: Any, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise SupervisionInvalid([(field, "required", "Required, in words.", "此项为必填。")])
    if len(raw) > MAX_WORDS:
        raise SupervisionInvalid(
            [(field, "text", f"At most {MAX_WORDS} characters.", f"不超过 {MAX_WORDS} 字。")]
        )
    return raw.strip()


def answer_due(calendar: WorkingCalendar, issued_at: datetime, days: int) -> datetime:
    """The end (18:00 Beijing) of the ``days``-th working day after the issue. Where the
    calendar has no year yet (a red card late in December before the next year's notice)
    the days count as calendar days: a red card must never wait for the calendar."""
    try:
        day = calendar.add_working_days(local_day(issued_at), days)
    except CalendarGap:
        day = local_day(issued_at) + timedelta(days=days)
    return datetime.combine(day, END_OF_WORKDAY, tzinfo=BEIJING)


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """A month ``YYYY-MM`` as Beijing instants [start, end)."""
    match = _PERIOD.match(period)
    if match is None:
        raise SupervisionInvalid(
            [("period", "period", "A month as YYYY-MM.", "应为 YYYY-MM 格式的月份。")]
        )
    start = date(int(match[1]), int(match[2]), 1)
    end = (start + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(start, time(0), tzinfo=BEIJING),
        datetime.combine(end, time(0), tzinfo=BEIJING),
    )
