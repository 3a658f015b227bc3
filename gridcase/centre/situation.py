"""What the centre has learnt from the stream: units, cases, carded clocks and the steps
that stop clocks, screening tasks, escalations, and what it skipped.

Facts only; the view (``view.py``) is derived from them when asked. Keeping the clock
stops as facts (case, stage, time) rather than applying them as they arrive makes the
view independent of how the three topics interleave: a card on ``gridcase.cycle.v1``
and the step that stopped its clock on ``gridcase.case.v1`` may arrive in either order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass
class Case:
    case_id: str
    case_number: str | None = None
    kind: str | None = None
    category: str | None = None
    risk_signals: tuple[str, ...] = ()
    people_involved: int | None = None
    submitted_at: datetime | None = None
    unit_code: str | None = None  # the unit of the latest assignment (routing's)
    unit_name: str | None = None
    assigned: bool = False
    state: str | None = None  # the case file's state after its latest step (mediation's)


@dataclass
class Clock:
    """A clock the stream showed through a warning or a card (clocks that never fired
    one are not overdue and stay unknown)."""

    clock_id: str
    case_id: str
    stage: str
    unit_code: str | None
    started_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    cards: set[str] = field(default_factory=set)  # warning | yellow | red
    last_fired_at: datetime | None = None


@dataclass(frozen=True)
class ClockStop:
    """A step that stops the case's clocks of ``stage`` (``clock_stops.py``)."""

    case_id: str
    stage: str
    at: datetime
    earliest_only: bool
    # A move up or down the tree stops only the clocks that started before it: the new
    # level's clock starts at the move itself.
    started_before_only: bool = False


@dataclass
class Task:
    task_id: str
    grid_code: str
    grid_name: str | None = None
    period_key: str | None = None
    due_at: datetime | None = None
    opened: bool = False
    missing_flagged_at: datetime | None = None
    escalated_to: str | None = None  # 上报: the unit the missing return went up to
    filed_at: datetime | None = None
    nil_report: bool | None = None


@dataclass
class Escalation:
    """A case that reached a higher unit: from the escalation decision, from routing's
    assignment with ``trigger = escalation``, or both (one entry per case and unit)."""

    case_id: str
    to_unit_code: str
    from_unit_code: str | None = None
    to_level: str | None = None
    reason: str | None = None
    at: datetime | None = None


@dataclass
class Supervision:
    """A supervision (督办) issued on a case; open until answered or cancelled."""

    supervision_id: str
    case_id: str
    level: str
    unit_code: str | None
    issued_at: datetime
    answer_due_at: datetime
    answered_at: datetime | None = None
    cancelled_at: datetime | None = None
    answer_overdue_at: datetime | None = None


@dataclass
class Situation:
    units: dict[str, Unit] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    clocks: dict[str, Clock] = field(default_factory=dict)
    stops: list[ClockStop] = field(default_factory=list)
    tasks: dict[str, Task] = field(default_factory=dict)
    escalations: dict[tuple[str, str], Escalation] = field(default_factory=dict)
    supervisions: dict[str, Supervision] = field(default_factory=dict)
    read: Counter[str] = field(default_factory=Counter)  # events read, by topic
    skipped: Counter[str] = field(default_factory=Counter)  # unknown types (tolerant reader)
    ignored: Counter[str] = field(default_factory=Counter)  # known, not needed (NOT_NEEDED)
    invalid: Counter[str] = field(default_factory=Counter)  # known types that did not parse

    def case(self, case_id: str) -> Case:
        return self.cases.setdefault(case_id, Case(case_id))

    def task(self, task_id: str, grid_code: str) -> Task:
        return self.tasks.setdefault(task_id, Task(task_id, grid_code))

    def escalation(self, case_id: str, to_unit_code: str) -> Escalation:
        return self.escalations.setdefault(
            (case_id, to_unit_code), Escalation(case_id, to_unit_code)
        )
