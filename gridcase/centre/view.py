"""The centre's situation view, derived from the ``Situation``'s facts: open cases by
unit (rolled up grid → community → street → district), status and risk; overdue
clocks (a yellow or red card issued and the clock not stopped since); escalations;
missing screening returns (flagged and not filed since).

The roll-up follows the registry's tree; a unit the registry never named hangs under
the unit its code extends (a code starts with its parent's: 6, 9, 12, 15 digits).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from gridcase.centre.situation import Case, Clock, ClockStop, Situation

# Statuses, in the order a case moves: routing's, then the case file's (mediation's).
STATUS_LABELS: dict[str, str] = {
    "submitted": "待分派",
    "assigned": "已分派",
    "handling": "办理中",
    "awaiting_verification": "待验证",
    "verified": "已验证",
    "in_mediation": "调解中",
    "awaiting_signatures": "协议待签",
    "agreement_effective": "协议已生效",
    "terminated": "调解终止",
    "declined": "不予受理",
    "closed": "已结案",
    "archived": "已归档",
}
# As mediation's dashboard counts them: a finished case is not open.
FINISHED = frozenset({"closed", "archived", "terminated", "declined"})
# Risk as escalation reads it (民转刑 has its own limits, People's Mediation Law art. 25),
# and any other signal intake found (群体性, 涉及民族因素, threat words).
RISK_LABELS = {"criminal": "民转刑", "signalled": "有风险信号", "normal": "一般"}
CRIMINAL_SIGNAL = "民转刑"
CARD_LABELS = {"red": "红牌", "yellow": "黄牌", "warning": "临期预警"}
LEVEL_DIGITS = {6: "district", 9: "street", 12: "community", 15: "grid"}
_PARENT_DIGITS = {9: 6, 12: 9, 15: 12}


def status_of(case: Case) -> str:
    if case.state is None or case.state == "new":
        return "assigned" if case.assigned else "submitted"
    return case.state


def risk_of(case: Case) -> str:
    if CRIMINAL_SIGNAL in case.risk_signals:
        return "criminal"
    return "signalled" if case.risk_signals else "normal"


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    open: int
    by_status: dict[str, int]
    by_risk: dict[str, int]
    warned: int
    yellow: int
    red: int
    escalated_in: int
    missing_returns: int
    supervised: int  # supervisions (督办) open on cases the unit holds


@dataclass(frozen=True)
class OverdueClock:
    clock_id: str
    case_id: str
    case_number: str | None
    unit_code: str | None
    stage: str
    card: str  # red | yellow
    due_at: datetime
    red_at: datetime
    fired_at: datetime | None


@dataclass(frozen=True)
class EscalationItem:
    case_id: str
    case_number: str | None
    from_unit_code: str | None
    to_unit_code: str
    to_level: str | None
    reason: str | None
    at: datetime | None


@dataclass(frozen=True)
class MissingReturn:
    task_id: str
    grid_code: str
    grid_name: str | None
    period_key: str | None
    due_at: datetime | None
    flagged_at: datetime
    escalated_to: str | None = None  # 上报: the unit chasing the return


@dataclass(frozen=True)
class SituationView:
    scope: str | None
    units: list[UnitRow]
    unplaced_open: int  # open cases no unit holds yet
    open_by_status: dict[str, int]
    open_by_risk: dict[str, int]
    clocks: dict[str, int]  # warned | yellow | red: fired and not stopped
    overdue: list[OverdueClock]
    escalations: list[EscalationItem]
    missing_returns: list[MissingReturn]
    screening: dict[str, int]
    supervision: dict[str, int]  # open | answer_overdue (open and flagged)
    # Every case (open or not) by unit and routing's status, as mediation counts them.
    cases_by_unit: dict[str, dict[str, int]]
    events: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        result: dict[str, Any] = plain(asdict(self))
        return result


class _Tree:
    def __init__(self, situation: Situation):
        self.units = situation.units

    def parent(self, code: str) -> str | None:
        unit = self.units.get(code)
        if unit is not None:
            return unit.parent_code
        digits = _PARENT_DIGITS.get(len(code))
        return code[:digits] if digits else None

    def chain(self, code: str) -> list[str]:
        """The code and every unit above it, nearest first."""
        found: list[str] = []
        current: str | None = code
        while current and current not in found:
            found.append(current)
            current = self.parent(current)
        return found

    def under(self, code: str | None, scope: str | None) -> bool:
        if scope is None:
            return True
        return code is not None and scope in self.chain(code)

    def name(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.name if unit is not None else ""

    def level(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.level if unit is not None else LEVEL_DIGITS.get(len(code), "")


def _started_by(clock: Clock, stop: ClockStop) -> bool:
    """A step stops clocks started at or before it; a move, those started before it."""
    if stop.started_before_only:
        return clock.started_at < stop.at
    return clock.started_at <= stop.at


def running_cards(situation: Situation) -> dict[str, str]:
    """The highest card (red, yellow, warning) of every clock not stopped since it started.

    A step that stops a stage stops the case's clocks of that stage that started at or
    before it (an ``earliest_only`` step: the earliest due of them only), whatever order
    the topics delivered the card and the step in.
    """
    stopped: set[str] = set()
    by_case_stage: dict[tuple[str, str], list[Clock]] = {}
    for clock in situation.clocks.values():
        by_case_stage.setdefault((clock.case_id, clock.stage), []).append(clock)
    for stop in sorted(situation.stops, key=lambda s: s.at):
        candidates = sorted(
            (
                c
                for c in by_case_stage.get((stop.case_id, stop.stage), [])
                if c.clock_id not in stopped
                and (
                    c.started_at < stop.at if stop.started_before_only else c.started_at <= stop.at
                )
            ),
            key=lambda c: (c.due_at, c.clock_id),
        )
        for clock in candidates[:1] if stop.earliest_only else candidates:
            stopped.add(clock.clock_id)
    highest: dict[str, str] = {}
    for clock in situation.clocks.values():
        if clock.clock_id in stopped:
            continue
        for card in ("red", "yellow", "warning"):
            if card in clock.cards:
                highest[clock.clock_id] = card
                break
    return highest


def build_view(situation: Situation, scope: str | None = None) -> SituationView:
    """The view of everything, or of ``scope`` (a unit code) and the units under it."""
    tree = _Tree(situation)
    rows: dict[str, Counter[str]] = {}
    statuses: dict[str, Counter[str]] = {}
    risks: dict[str, Counter[str]] = {}

    def bump(
        unit_code: str, column: str, status: str | None = None, risk: str | None = None
    ) -> None:
        for code in tree.chain(unit_code):
            rows.setdefault(code, Counter())[column] += 1
            if status is not None:
                statuses.setdefault(code, Counter())[status] += 1
            if risk is not None:
                risks.setdefault(code, Counter())[risk] += 1

    open_by_status: Counter[str] = Counter()
    open_by_risk: Counter[str] = Counter()
    cases_by_unit: dict[str, Counter[str]] = {}
    unplaced = 0
    for case in situation.cases.values():
        if not tree.under(case.unit_code, scope):
            continue
        status = status_of(case)
        cases_by_unit.setdefault(case.unit_code or "", Counter())[
            "assigned" if case.assigned else "submitted"
        ] += 1
        if status in FINISHED:
            continue
        open_by_status[status] += 1
        open_by_risk[risk_of(case)] += 1
        if case.unit_code:
            bump(case.unit_code, "open", status, risk_of(case))
        else:
            unplaced += 1

    cards = running_cards(situation)
    clock_counts: Counter[str] = Counter()
    overdue: list[OverdueClock] = []
    for clock_id, card in cards.items():
        clock = situation.clocks[clock_id]
        if not tree.under(clock.unit_code, scope):
            continue
        clock_counts["warned" if card == "warning" else card] += 1
        if clock.unit_code:
            bump(clock.unit_code, "warned" if card == "warning" else card)
        if card != "warning":
            known = situation.cases.get(clock.case_id)
            overdue.append(
                OverdueClock(
                    clock.clock_id,
                    clock.case_id,
                    known.case_number if known else None,
                    clock.unit_code,
                    clock.stage,
                    card,
                    clock.due_at,
                    clock.red_at,
                    clock.last_fired_at,
                )
            )
    overdue.sort(key=lambda o: (o.card != "red", o.due_at, o.clock_id))

    escalations: list[EscalationItem] = []
    for e in situation.escalations.values():
        if not (tree.under(e.to_unit_code, scope) or tree.under(e.from_unit_code, scope)):
            continue
        escalated = situation.cases.get(e.case_id)
        escalations.append(
            EscalationItem(
                e.case_id,
                escalated.case_number if escalated else None,
                e.from_unit_code,
                e.to_unit_code,
                e.to_level or tree.level(e.to_unit_code),
                e.reason,
                e.at,
            )
        )
        if tree.under(e.to_unit_code, scope):
            rows.setdefault(e.to_unit_code, Counter())["escalated_in"] += 1
    escalations.sort(key=lambda e: (e.at is None, e.at, e.case_id))

    missing: list[MissingReturn] = []
    screening: Counter[str] = Counter()
    for task in situation.tasks.values():
        if not tree.under(task.grid_code, scope):
            continue
        screening["opened"] += task.opened
        if task.filed_at is not None:
            screening["filed"] += 1
            screening["nil_reports"] += bool(task.nil_report)
            screening["filed_late"] += task.missing_flagged_at is not None
        elif task.missing_flagged_at is not None:
            screening["missing"] += 1
            bump(task.grid_code, "missing_returns")
            missing.append(
                MissingReturn(
                    task.task_id,
                    task.grid_code,
                    task.grid_name or tree.name(task.grid_code) or None,
                    task.period_key,
                    task.due_at,
                    task.missing_flagged_at,
                    task.escalated_to,
                )
            )
        else:
            screening["open"] += 1
    missing.sort(key=lambda m: (m.grid_code, m.period_key or ""))

    supervision: Counter[str] = Counter()
    for sup in situation.supervisions.values():
        if sup.answered_at is not None or sup.cancelled_at is not None:
            continue
        if not tree.under(sup.unit_code, scope):
            continue
        supervision["open"] += 1
        supervision["answer_overdue"] += sup.answer_overdue_at is not None
        if sup.unit_code:
            bump(sup.unit_code, "supervised")

    unit_rows = [
        UnitRow(
            code=code,
            name=tree.name(code),
            level=tree.level(code),
            open=counts["open"],
            by_status=dict(statuses.get(code, Counter())),
            by_risk=dict(risks.get(code, Counter())),
            warned=counts["warned"],
            yellow=counts["yellow"],
            red=counts["red"],
            escalated_in=counts["escalated_in"],
            missing_returns=counts["missing_returns"],
            supervised=counts["supervised"],
        )
        for code, counts in sorted(rows.items())
        if tree.under(code, scope)
    ]
    return SituationView(
        scope=scope,
        units=unit_rows,
        unplaced_open=unplaced,
        open_by_status=dict(open_by_status),
        open_by_risk=dict(open_by_risk),
        clocks={k: clock_counts[k] for k in ("warned", "yellow", "red")},
        overdue=overdue,
        escalations=escalations,
        missing_returns=missing,
        screening={
            k: screening[k]
            for k in ("opened", "open", "filed", "nil_reports", "filed_late", "missing")
        },
        supervision={k: supervision[k] for k in ("open", "answer_overdue")},
        cases_by_unit={u: dict(c) for u, c in sorted(cases_by_unit.items())},
        events={
            "read": dict(sorted(situation.read.items())),
            "skipped_unknown_types": dict(sorted(situation.skipped.items())),
            "ignored": dict(sorted(situation.ignored.items())),
            "invalid": dict(sorted(situation.invalid.items())),
        },
    )
