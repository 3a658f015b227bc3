"""Time limits per category × organisation level × risk × stage, and the rules a district
operator's change must pass.

Practice, not law (DOMAIN.md "Time limits and supervision"): the numbers are rows in the
database, seeded from ``time_limits.json`` and edited through the API. A clock takes the
row that matches its case best when it opens and keeps a copy of the numbers, so a
change applies to clocks opened afterwards, never to running ones.

Days count from the day the clock starts: ``due`` to the due time, ``yellow`` and
``red`` to the yellow and red cards (red later than yellow, yellow not before due), and
``warn`` days before the due time a warning goes out (0: none). ``counting`` says
whether those are working days (the calendar's, 调休 included) or calendar days (the
30-day judicial-confirmation window, People's Mediation Law art. 33).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

LIMITS_FILE = Path(__file__).parent / "time_limits.json"

Counting = Literal["working", "calendar"]
COUNTINGS: tuple[Counting, ...] = ("working", "calendar")
ANY = "any"  # a row for every category or every level
DEFAULT_CATEGORY = "default"
NORMAL = "normal"
# 民转刑: a civil dispute that may turn criminal (intake's risk signal). People's
# Mediation Law art. 25 asks for prompt action, so such cases get their own, shorter row.
CRIMINAL_RISK = "民转刑"
RISKS = (NORMAL, CRIMINAL_RISK)
LEVELS = (ANY, "grid", "community", "street", "district")
# Dispute stages: 受理, the one-month mediation limit (MoJ 2002 art. 33), the 30-day
# judicial-confirmation window (art. 33 of the 2010 law), follow-up visits (回访, art. 31);
# report stages: 受理 accept, 办理 handle, 验证 verify.
STAGES = ("accept", "mediate", "confirm", "follow_up", "handle", "verify")
MAX_DAYS = 99


def level_of(unit_code: str | None) -> str | None:
    """A unit's level from its nested code (6/9/12/15 digits, DOMAIN.md)."""
    if unit_code is None:
        return None
    return {6: "district", 9: "street", 12: "community", 15: "grid"}.get(len(unit_code))


@dataclass(frozen=True)
class LimitKey:
    category: str
    level: str
    risk: str
    stage: str

    def label(self) -> str:
        return f"{self.category}/{self.level}/{self.risk}/{self.stage}"


@dataclass(frozen=True)
class StageLimit:
    due: int
    yellow: int
    red: int
    warn: int = 0
    counting: Counting = "working"


@dataclass(frozen=True)
class LimitRow:
    key: LimitKey
    limit: StageLimit
    version: int = 1


class LimitInvalid(ValueError):
    """A limit that breaks the rules; ``problems`` are (field, code, en, zh)."""

    def __init__(self, problems: list[tuple[str, str, str, str]]):
        super().__init__("; ".join(p[2] for p in problems))
        self.problems = problems


def check_key(key: LimitKey) -> list[tuple[str, str, str, str]]:
    problems = []
    if key.stage not in STAGES:
        problems.append(
            (
                "stage",
                "unknown",
                f"One of {', '.join(STAGES)}.",
                f"环节应为 {'、'.join(STAGES)} 之一。",
            )
        )
    if key.level not in LEVELS:
        problems.append(
            (
                "level",
                "unknown",
                f"One of {', '.join(LEVELS)}.",
                f"层级应为 {'、'.join(LEVELS)} 之一。",
            )
        )
    if key.risk not in RISKS:
        problems.append(("risk", "unknown", "normal or 民转刑.", "风险应为 normal 或 民转刑。"))
    if not key.category or len(key.category) > 50:
        problems.append(("category", "length", "1 to 50 characters.", "类别应为 1 至 50 个字符。"))
    return problems


def validate_limit(raw: dict[str, object]) -> StageLimit:
    """What real platforms accept: whole days from 0 to 99, the red card later than the
    yellow, the yellow card not before the due time; every problem named by its
    field. (A warning that would fall before a clock starts is simply not sent.)"""
    problems: list[tuple[str, str, str, str]] = []
    days: dict[str, int] = {}
    for name in ("due", "yellow", "red", "warn"):
        value = raw.get(name, 0 if name == "warn" else None)
        if value is None:
            problems.append((name, "required", "Required.", "此字段为必填项。"))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append((name, "whole_days", "A whole number of days.", "应为整数天数。"))
        elif isinstance(value, float) and not value.is_integer():
            problems.append((name, "whole_days", "Whole days only.", "只能填写整数天数。"))
        elif not 0 <= value <= MAX_DAYS:
            problems.append(
                (name, "range", f"From 0 to {MAX_DAYS} days.", f"应在 0 至 {MAX_DAYS} 天之间。")
            )
        else:
            days[name] = int(value)
    counting = raw.get("counting", "working")
    if counting not in COUNTINGS:
        problems.append(
            ("counting", "unknown", "working or calendar.", "计时方式应为 working 或 calendar。")
        )
    if {"yellow", "red"} <= days.keys() and days["red"] <= days["yellow"]:
        problems.append(
            (
                "red",
                "red_after_yellow",
                "The red card comes later than the yellow card.",
                "红牌时限应晚于黄牌时限。",
            )
        )
    if {"due", "yellow"} <= days.keys() and days["yellow"] < days["due"]:
        problems.append(
            (
                "yellow",
                "yellow_after_due",
                "The yellow card comes no earlier than the due time.",
                "黄牌时限不应早于办理时限。",
            )
        )
    if problems:
        raise LimitInvalid(problems)
    return StageLimit(
        due=days["due"],
        yellow=days["yellow"],
        red=days["red"],
        warn=days["warn"],
        counting="calendar" if counting == "calendar" else "working",
    )


class LimitTable:
    """The rows in force; ``find`` picks the best match for a case's stage."""

    def __init__(self, rows: list[LimitRow]):
        self._rows = {row.key: row for row in rows}
        # Each question answered once per table (a consumer batch asks the same few).
        self._found: dict[tuple[str | None, str | None, str, str], LimitRow] = {}

    def rows(self) -> list[LimitRow]:
        return list(self._rows.values())

    def find(self, category: str | None, level: str | None, risk: str, stage: str) -> LimitRow:
        """Risk first (a 民转刑 row beats a category's normal row), then the category
        (else ``default``), then the level (else ``any``)."""
        question = (category, level, risk, stage)
        found = self._found.get(question)
        if found is None:
            found = self._found[question] = self._find(category, level, risk, stage)
        return found

    def _find(self, category: str | None, level: str | None, risk: str, stage: str) -> LimitRow:
        for r in dict.fromkeys((risk, NORMAL)):
            for c in dict.fromkeys((category or DEFAULT_CATEGORY, DEFAULT_CATEGORY)):
                for lvl in dict.fromkeys((level or ANY, ANY)):
                    row = self._rows.get(LimitKey(c, lvl, r, stage))
                    if row is not None:
                        return row
        raise LookupError(f"no time limit for stage {stage!r}: the default row is missing")


def seed_rows(path: Path = LIMITS_FILE) -> list[LimitRow]:
    """The shipped rows (the migration's seed, and tests)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        LimitRow(
            LimitKey(row["category"], row.get("level", ANY), row.get("risk", NORMAL), row["stage"]),
            validate_limit(row),
        )
        for row in raw["rows"]
    ]
