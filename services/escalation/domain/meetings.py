"""Regular meetings (月例会): when each community and street meets, what is on the
agenda, and what a decision may say.

Seed 001 asks every community and street for 月排查、月例会、月报告; DOMAIN.md "The monthly
cycle": a regular meeting over new, unresolved, overdue and high-risk disputes, with
attendance, decisions and minutes. When a unit meets is practice, not law: it is data
per district (``meeting_schedule.json``), one named rule per level. Pure: no clock, no
database.

States: ``scheduled`` (the agenda is a snapshot, regenerated until the meeting starts)
→ ``in_progress`` (attendance or a decision was recorded: the agenda is frozen) →
``closed`` (the minutes were recorded).
"""

from __future__ import annotations

import calendar as month_days
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SCHEDULE_FILE = Path(__file__).parent / "meeting_schedule.json"
LEVELS = ("community", "street")  # seed 001: 社区、街道 hold the monthly meeting
_NAMESPACE = uuid.UUID("0c9e3d52-7a41-4f0e-b7a3-5d2e8c1f6a90")

SCHEDULED, IN_PROGRESS, CLOSED = "scheduled", "in_progress", "closed"

# Case-work states after which the committee holds nothing more to mediate (the
# dispute was declined, mediation ended, or the case was closed or archived):
# mediation's ``State`` values (People's Mediation Law arts. 17, 26, 27).
SETTLED_STATES = frozenset({"declined", "terminated", "closed", "archived"})


class ScheduleError(ValueError):
    """The meeting schedule data cannot be used."""


class Rule(StrEnum):
    DAY_OF_MONTH = "day_of_month"  # e.g. every 26th
    NTH_WEEKDAY = "nth_weekday"  # e.g. the first (working) Tuesday


@dataclass(frozen=True)
class LevelSchedule:
    name: str
    rule: Rule
    day: int = 1  # day_of_month
    nth: int = 1  # nth_weekday: 1..4, or -1 for the last
    weekday: int = 1  # ISO weekday, 1 = Monday
    working: bool = False  # nth_weekday: count only working days

    def meeting_day(
        self, year: int, month: int, is_working: Callable[[date], bool] | None = None
    ) -> date:
        """The day this level meets in ``year``-``month``."""
        last = month_days.monthrange(year, month)[1]
        if self.rule is Rule.DAY_OF_MONTH:
            return date(year, month, min(self.day, last))
        days = [
            date(year, month, d)
            for d in range(1, last + 1)
            if date(year, month, d).isoweekday() == self.weekday
            and (not self.working or is_working is None or is_working(date(year, month, d)))
        ]
        if not days:
            return date(year, month, last)
        if self.nth == -1:
            return days[-1]
        return days[min(self.nth, len(days)) - 1]


@dataclass(frozen=True)
class MeetingSchedule:
    """A district's meeting rules and what counts as high-risk or major there."""

    district_code: str
    timezone: str
    starts_at: time
    agenda_days_before: int
    major_people_involved: int
    high_risk_signals: frozenset[str]
    levels: dict[str, LevelSchedule]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def starts(
        self, level: str, period: str, is_working: Callable[[date], bool] | None = None
    ) -> datetime:
        """When ``level``'s meeting of ``period`` (``YYYY-MM``) starts (aware)."""
        year, month = parse_period(period)
        day = self.levels[level].meeting_day(year, month, is_working)
        return datetime.combine(day, self.starts_at, tzinfo=self.zone)

    def window_start(
        self, level: str, period: str, is_working: Callable[[date], bool] | None = None
    ) -> datetime:
        """Where "new since the last meeting" begins: the previous month's meeting start."""
        return self.starts(level, previous_period(period), is_working)

    def agenda_at(
        self, level: str, period: str, is_working: Callable[[date], bool] | None = None
    ) -> datetime:
        return self.starts(level, period, is_working) - timedelta(days=self.agenda_days_before)


def parse_period(period: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); ValueError otherwise."""
    if len(period) != 7 or period[4] != "-":
        raise ValueError(f"period {period!r} is not YYYY-MM")
    year, month = int(period[:4]), int(period[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(f"period {period!r} is not YYYY-MM")
    return year, month


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(period: str) -> str:
    year, month = parse_period(period)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def meeting_id(unit_code: str, period: str) -> str:
    """One meeting per unit and month: the scheduler and the API name the same one."""
    return str(uuid.uuid5(_NAMESPACE, f"meeting:{unit_code}:{period}"))


def decision_id(meeting: str, item_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"decision:{meeting}:{item_id}"))


# --- the agenda ------------------------------------------------------------------


class Flag(StrEnum):
    """Why an item is on the agenda (DOMAIN.md "The monthly cycle")."""

    RED_CARD = "red_card"  # a running stage past its red-card limit (红牌)
    YELLOW_CARD = "yellow_card"  # past its yellow-card limit (黄牌)
    OVERDUE = "overdue"  # a running stage past its due time (超期)
    HIGH_RISK = "high_risk"  # 民转刑 and the other high-risk signals
    MAJOR = "major"  # 重大: many people involved
    NEW = "new"  # submitted since the last meeting
    UNRESOLVED = "unresolved"  # still with the committee
    MISSING_RETURN = "missing_return"  # a grid's screening return missing at its due time


FLAG_ZH = {
    Flag.RED_CARD: "红牌",
    Flag.YELLOW_CARD: "黄牌",
    Flag.OVERDUE: "超期",
    Flag.HIGH_RISK: "高风险",
    Flag.MAJOR: "重大",
    Flag.NEW: "新增",
    Flag.UNRESOLVED: "未化解",
    Flag.MISSING_RETURN: "排查未报",
}
# Items are discussed most urgent first.
_ORDER = list(Flag)


@dataclass(frozen=True)
class CaseFacts:
    """What escalation knows of a dispute from the case stream and its clocks."""

    case_id: str
    case_number: str | None
    category: str
    title: str | None
    risk_signals: tuple[str, ...]
    people_involved: int | None
    grid_code: str | None
    unit_code: str | None
    handler_id: str | None
    state: str | None
    submitted_at: datetime | None
    earliest_due_at: datetime | None  # of its running clocks
    yellow_fired: bool
    red_fired: bool


@dataclass(frozen=True)
class MissingReturn:
    task_id: str
    grid_code: str
    grid_name: str | None
    period_key: str
    due_at: datetime
    filed_at: datetime | None


@dataclass(frozen=True)
class AgendaItem:
    item_id: str
    kind: str  # case | missing_return
    flags: tuple[Flag, ...]
    case_id: str | None = None
    case_number: str | None = None
    category: str | None = None
    title: str | None = None
    risk_signals: tuple[str, ...] = ()
    people_involved: int | None = None
    grid_code: str | None = None
    unit_code: str | None = None
    handler_id: str | None = None
    state: str | None = None
    due_at: datetime | None = None
    task_id: str | None = None
    grid_name: str | None = None


def case_flags(
    case: CaseFacts, schedule: MeetingSchedule, window_start: datetime, at: datetime
) -> tuple[Flag, ...]:
    """Why a dispute is on the agenda (empty: it is not)."""
    unresolved = case.state not in SETTLED_STATES
    new = case.submitted_at is not None and window_start <= case.submitted_at < at
    if not (new or unresolved):
        return ()
    flags: set[Flag] = set()
    if new:
        flags.add(Flag.NEW)
    if unresolved:
        flags.add(Flag.UNRESOLVED)
        if case.red_fired:
            flags.add(Flag.RED_CARD)
        if case.yellow_fired:
            flags.add(Flag.YELLOW_CARD)
        if case.earliest_due_at is not None and case.earliest_due_at < at:
            flags.add(Flag.OVERDUE)
    if schedule.high_risk_signals.intersection(case.risk_signals):
        flags.add(Flag.HIGH_RISK)
    if (case.people_involved or 0) >= schedule.major_people_involved:
        flags.add(Flag.MAJOR)
    return tuple(f for f in _ORDER if f in flags)


def build_agenda(
    cases: Iterable[CaseFacts],
    missing: Iterable[MissingReturn],
    schedule: MeetingSchedule,
    window_start: datetime,
    at: datetime,
) -> list[AgendaItem]:
    """The agenda as of ``at``: every dispute new since ``window_start`` or still
    unresolved, and every grid whose screening return went missing, most urgent first
    (a red card before a yellow, high risk before the merely new)."""
    items: list[AgendaItem] = []
    for case in cases:
        flags = case_flags(case, schedule, window_start, at)
        if not flags:
            continue
        items.append(
            AgendaItem(
                item_id=f"case:{case.case_id}",
                kind="case",
                flags=flags,
                case_id=case.case_id,
                case_number=case.case_number,
                category=case.category,
                title=case.title,
                risk_signals=case.risk_signals,
                people_involved=case.people_involved,
                grid_code=case.grid_code,
                unit_code=case.unit_code,
                handler_id=case.handler_id,
                state=case.state,
                due_at=case.earliest_due_at,
            )
        )
    for task in missing:
        items.append(
            AgendaItem(
                item_id=f"grid:{task.task_id}",
                kind="missing_return",
                flags=(Flag.MISSING_RETURN,),
                grid_code=task.grid_code,
                grid_name=task.grid_name,
                unit_code=task.grid_code,
                due_at=task.due_at,
                task_id=task.task_id,
            )
        )

    def urgency(item: AgendaItem) -> tuple[Any, ...]:
        return (
            tuple(f not in item.flags for f in _ORDER),
            item.due_at or datetime.max.replace(tzinfo=at.tzinfo),
            item.item_id,
        )

    return sorted(items, key=urgency)


# --- decisions and attendance -------------------------------------------------------


class Action(StrEnum):
    ASSIGN = "assign"  # to a named staff member
    ESCALATE = "escalate"  # one level up (grid → community → street → district)
    PLAN = "plan"  # 一事一策: a plan for the case, with a due date
    NOTED = "noted"


# Missing returns are followed up by the unit itself: noted, or a plan.
ACTIONS_FOR = {
    "case": frozenset(Action),
    "missing_return": frozenset({Action.PLAN, Action.NOTED}),
}
MAX_TEXT = 2000
MAX_NAME = 50
MAX_ID = 64


@dataclass(frozen=True)
class Problem:
    """One field's problem: JSON pointer, code, English, Chinese."""

    pointer: str
    code: str
    en: str
    zh: str


class MeetingInvalid(ValueError):
    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(p.en for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Attendee:
    staff_id: str
    name: str
    present: bool
    absence_reason: str | None = None


@dataclass(frozen=True)
class Decision:
    item_id: str
    action: Action
    assignee_id: str | None = None
    assignee_name: str | None = None
    plan: str | None = None
    plan_due: date | None = None
    note: str | None = None


def _text(value: object, pointer: str, limit: int, problems: list[Problem]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem(pointer, "required", "Required.", "此字段为必填项。"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(pointer, "type", "Must be text.", "应为文本。"))
        return None
    if len(value.strip()) > limit:
        problems.append(
            Problem(
                pointer, "too_long", f"At most {limit} characters.", f"不能超过 {limit} 个字符。"
            )
        )
        return None
    return value.strip()


def validate_attendance(raw: object) -> list[Attendee]:
    """Who attended (staff id and name as typed) and who was absent, with the reason."""
    problems: list[Problem] = []
    if not isinstance(raw, list) or not raw:
        raise MeetingInvalid(
            [Problem("#/attendees", "required", "List who attended.", "请填写参会人员。")]
        )
    out: list[Attendee] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        at = f"#/attendees/{i}"
        if not isinstance(entry, dict):
            problems.append(Problem(at, "type", "Must be an object.", "应为对象。"))
            continue
        staff_id = _text(entry.get("staff_id"), f"{at}/staff_id", MAX_ID, problems)
        name = _text(entry.get("name"), f"{at}/name", MAX_NAME, problems)
        present = entry.get("present", True)
        if not isinstance(present, bool):
            problems.append(
                Problem(f"{at}/present", "type", "true or false.", "应为 true 或 false。")
            )
            continue
        reason = None
        if not present:
            reason = _text(entry.get("absence_reason"), f"{at}/absence_reason", 200, problems)
        elif entry.get("absence_reason"):
            problems.append(
                Problem(
                    f"{at}/absence_reason",
                    "not_absent",
                    "Only an absent person has an absence reason.",
                    "出席人员无需填写缺席原因。",
                )
            )
        if staff_id is not None and staff_id in seen:
            problems.append(
                Problem(f"{at}/staff_id", "duplicate", "Listed twice.", "该人员重复填写。")
            )
        if staff_id and name and (present or reason):
            seen.add(staff_id)
            out.append(Attendee(staff_id, name, present, reason))
    if not problems and not any(a.present for a in out):
        problems.append(
            Problem(
                "#/attendees", "nobody_present", "Nobody attended.", "没有出席人员，会议无法召开。"
            )
        )
    if problems:
        raise MeetingInvalid(problems)
    return out


def validate_decision(raw: dict[str, Any], item_kinds: dict[str, str], today: date) -> Decision:
    """One decision on one agenda item, field by field."""
    problems: list[Problem] = []
    item_id = raw.get("item_id")
    kind = item_kinds.get(item_id) if isinstance(item_id, str) else None
    if kind is None:
        problems.append(
            Problem(
                "#/item_id", "unknown_item", "Not an item of this agenda.", "不是本次议程的事项。"
            )
        )
    try:
        action = Action(str(raw.get("action")))
    except ValueError:
        problems.append(
            Problem(
                "#/action",
                "enum",
                "One of assign, escalate, plan, noted.",
                "应为 assign（交办）、escalate（上报）、plan（一事一策）或 noted（知悉）。",
            )
        )
        raise MeetingInvalid(problems) from None
    if kind is not None and action not in ACTIONS_FOR[kind]:
        problems.append(
            Problem(
                "#/action",
                "not_for_item",
                "A missing return can be noted or given a plan.",
                "排查未报事项只能知悉或制定措施。",
            )
        )
    assignee_id = assignee_name = plan = None
    plan_due: date | None = None
    if action is Action.ASSIGN:
        assignee_id = _text(raw.get("assignee_id"), "#/assignee_id", MAX_ID, problems)
        assignee_name = _text(raw.get("assignee_name"), "#/assignee_name", MAX_NAME, problems)
    if action is Action.PLAN:
        plan = _text(raw.get("plan"), "#/plan", MAX_TEXT, problems)
        due = raw.get("plan_due")
        try:
            plan_due = date.fromisoformat(due) if isinstance(due, str) else None
        except ValueError:
            plan_due = None
        if plan_due is None:
            problems.append(
                Problem("#/plan_due", "date", "A date, YYYY-MM-DD.", "应为日期（YYYY-MM-DD）。")
            )
        elif plan_due < today:
            problems.append(
                Problem("#/plan_due", "past", "Not in the past.", "完成期限不能早于今天。")
            )
    for name in ("assignee_id", "assignee_name", "plan", "plan_due"):
        allowed = {
            Action.ASSIGN: ("assignee_id", "assignee_name"),
            Action.PLAN: ("plan", "plan_due"),
        }.get(action, ())
        if raw.get(name) is not None and name not in allowed:
            problems.append(
                Problem(
                    f"#/{name}",
                    "not_for_action",
                    f"Not used with {action.value}.",
                    "该决定无需此字段。",
                )
            )
    note = raw.get("note")
    if note is not None:
        note = _text(note, "#/note", MAX_TEXT, problems)
    if problems:
        raise MeetingInvalid(problems)
    assert isinstance(item_id, str)
    return Decision(item_id, action, assignee_id, assignee_name, plan, plan_due, note)


def validate_minutes(raw: object) -> str:
    problems: list[Problem] = []
    text = _text(raw, "#/minutes", 20_000, problems)
    if problems or text is None:
        raise MeetingInvalid(problems)
    return text


@dataclass(frozen=True)
class Counts:
    present: int
    absent: int
    items: int
    decisions: dict[str, int] = field(default_factory=dict)


def counts(attendees: Sequence[Attendee], items: int, actions: Iterable[str]) -> Counts:
    tally = {a.value: 0 for a in Action}
    for action in actions:
        tally[action] += 1
    return Counts(
        present=sum(a.present for a in attendees),
        absent=sum(not a.present for a in attendees),
        items=items,
        decisions=tally,
    )


# --- the data -----------------------------------------------------------------------


def _level(raw: dict[str, Any], where: str) -> LevelSchedule:
    try:
        rule = Rule(raw["rule"])
    except (KeyError, ValueError) as exc:
        raise ScheduleError(f"{where}: rule must be one of {[r.value for r in Rule]}") from exc
    level = LevelSchedule(
        name=str(raw.get("name") or "月例会"),
        rule=rule,
        day=int(raw.get("day", 1)),
        nth=int(raw.get("nth", 1)),
        weekday=int(raw.get("weekday", 1)),
        working=bool(raw.get("working", False)),
    )
    if rule is Rule.DAY_OF_MONTH and not 1 <= level.day <= 31:
        raise ScheduleError(f"{where}: day {level.day} outside 1..31")
    if rule is Rule.NTH_WEEKDAY and (
        level.nth not in (-1, 1, 2, 3, 4) or not 1 <= level.weekday <= 7
    ):
        raise ScheduleError(f"{where}: nth must be 1..4 or -1, weekday 1..7")
    return level


def meeting_schedule(code: str, raw: dict[str, Any], default: dict[str, Any]) -> MeetingSchedule:
    merged = {**default, **raw}
    zone = str(merged.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError) as exc:
        raise ScheduleError(f"district {code}: unknown time zone {zone!r}") from exc
    levels_raw = merged.get("levels") or {}
    unknown = set(levels_raw) - set(LEVELS)
    if unknown:
        raise ScheduleError(
            f"district {code}: levels {sorted(unknown)} do not meet (only {LEVELS})"
        )
    return MeetingSchedule(
        district_code=code,
        timezone=zone,
        starts_at=time.fromisoformat(str(merged.get("starts_at", "09:00"))),
        agenda_days_before=int(merged.get("agenda_days_before", 2)),
        major_people_involved=int(merged.get("major_people_involved", 50)),
        high_risk_signals=frozenset(merged.get("high_risk_signals") or ()),
        levels={
            name: _level(entry, f"district {code} level {name}")
            for name, entry in levels_raw.items()
        },
    )


def parse_schedules(raw: dict[str, Any]) -> dict[str, MeetingSchedule]:
    default = raw.get("default") or {}
    return {
        code: meeting_schedule(code, entry or {}, default)
        for code, entry in (raw.get("districts") or {}).items()
    }


def load_schedules(path: Path = SCHEDULE_FILE) -> dict[str, MeetingSchedule]:
    return parse_schedules(json.loads(path.read_text(encoding="utf-8")))
