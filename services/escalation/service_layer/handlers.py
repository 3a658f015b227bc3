"""Escalation's case-stream handler: remember each case's category, kind and risk; open
the accept clock on assignment; open, stop, move and pause the stage clocks as the
case-work steps say (``domain/stages.py``), with their cards scheduled in the same
transaction.

A batch is applied in order. Submissions and first assignments, the bulk of the
stream, are gathered and written together (a submission names its case's category, the
first assignment starts the 受理 clock with the category known at that point; the first
category and the first clock win, as one event at a time); anything that reads clocks
(a reassignment, a case-work step) first writes what was gathered.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.limits import LimitRepository
from services.escalation.adapters.repository import (
    CaseFacts,
    ClockRepository,
    basis_columns,
    deadline_columns,
)
from services.escalation.domain import clocks as clock_rules
from services.escalation.domain.clocks import BEIJING, END_OF_WORKDAY
from services.escalation.domain.limits import (
    CRIMINAL_RISK,
    DEFAULT_CATEGORY,
    NORMAL,
    LimitTable,
    level_of,
)
from services.escalation.domain.stages import (
    MOVES_LEVEL,
    RESTART_ON_MOVE,
    Extend,
    Open,
    Pause,
    Resume,
    Stop,
    effects_of,
)
from services.escalation.service_layer import pausing
from services.escalation.service_layer.cards import (
    cancel_cards,
    cancel_many_cards,
    fired_cards,
    schedule_cards,
    schedule_new_clocks_cards,
)
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import CaseWorkStepV1
from shared.events.routing import CaseAssignedV1
from shared.working_calendar import WorkingCalendar

CaseEvent = CaseSubmittedV1 | CaseAssignedV1 | CaseWorkStepV1


def risk_of(signals: list[str]) -> str:
    """A case intake marked 民转刑 (People's Mediation Law art. 25) gets its own limits."""
    return CRIMINAL_RISK if CRIMINAL_RISK in signals else NORMAL


class _Batch:
    """What a batch gathers before writing, and what it needs to plan clocks."""

    def __init__(
        self,
        uow: UnitOfWork,
        calendar: WorkingCalendar,
        limits: LimitTable,
        known: dict[str, CaseFacts],
    ):
        self.uow = uow
        self.repo = ClockRepository(uow.connection)
        self.calendar = calendar
        self.limits = limits
        self.known = known
        self.new_facts: list[dict[str, Any]] = []
        self.new_clocks: list[tuple[dict[str, Any], clock_rules.Deadlines]] = []
        self.pending_cases: set[str] = set()  # cases with clocks in new_clocks
        self.progress: dict[str, dict[str, Any]] = {}  # each case's latest step
        self.stopped: list[str] = []  # clocks stopped by steps, cards not cancelled yet

    async def flush(self) -> None:
        """Write what was gathered: the facts, the clocks in one statement, and the
        cards of those inserted in one more."""
        await self.repo.add_case_facts(self.new_facts)
        rows = [row for row, _ in self.new_clocks]
        inserted = set(await self.repo.add_clocks(rows))
        await schedule_new_clocks_cards(
            self.uow,
            [(row["clock_id"], dl) for row, dl in self.new_clocks if row["clock_id"] in inserted],
        )
        self.new_facts, self.new_clocks = [], []
        self.pending_cases.clear()

    async def flush_for(self, case_id: str) -> None:
        """Before reading or changing a case's clocks: its gathered clocks are written
        (other cases' may wait; cases' clocks never touch each other)."""
        if case_id in self.pending_cases:
            await self.flush()

    def progress_of(self, step: CaseWorkStepV1) -> None:
        """The case's latest step, written once per batch (``finish``): the latest by
        time wins, the later event on a tie, as one upsert per step would leave it."""
        before = self.progress.get(step.case_id)
        if before is None or before["occurred_at"] <= step.occurred_at:
            self.progress[step.case_id] = {
                "case_id": step.case_id,
                "kind": step.kind,
                "step": step.step,
                "state": step.state,
                "unit_code": step.unit_code,
                "handler_id": step.handler_id,
                "occurred_at": step.occurred_at,
            }

    async def finish(self) -> None:
        """The batch's last writes: what is gathered, the stopped clocks' pending cards
        (a stopped clock is never scheduled again, so cancelling them last is the same
        as at once), and the cases' latest steps."""
        await self.flush()
        await cancel_many_cards(self.uow, self.stopped)
        self.stopped = []
        await self.repo.record_progress_all(list(self.progress.values()))
        self.progress = {}

    def facts(self, case_id: str) -> CaseFacts:
        return self.known.get(case_id) or CaseFacts(DEFAULT_CATEGORY, None, NORMAL)

    def open(
        self,
        case_id: str,
        stage: str,
        started_at: datetime,
        *,
        unit_code: str | None,
        unit_level: str | None,
        handler_id: str | None,
        occurrence: str = "",
        named_due: datetime | None = None,
        cap: bool = False,
    ) -> None:
        facts = self.facts(case_id)
        self.pending_cases.add(case_id)
        row = self.limits.find(facts.category, unit_level, facts.risk, stage)
        basis, deadlines = clock_rules.plan(
            self.calendar, row.limit, started_at, named_due=named_due, cap=cap
        )
        self.new_clocks.append(
            (
                {
                    "clock_id": str(uuid.uuid4()),
                    "case_id": case_id,
                    "stage": stage,
                    "occurrence": occurrence,
                    "category": facts.category,
                    "risk": facts.risk,
                    "unit_code": unit_code,
                    "unit_level": unit_level,
                    "handler_id": handler_id,
                    "status": "running",
                    "started_at": started_at,
                    "limit_key": row.key.label(),
                    "limit_version": row.version,
                    **basis_columns(basis),
                    **deadline_columns(deadlines),
                },
                deadlines,
            )
        )


async def apply_case_events(uow: UnitOfWork, cases: list[CaseEvent]) -> None:
    """``case.submitted``, ``case.assigned`` and case-work step payloads, in order."""
    calendar = await CalendarRepository(uow.connection).calendar()
    limits = await LimitRepository(uow.connection).table()
    repo = ClockRepository(uow.connection)
    known = await repo.case_facts(sorted({case.case_id for case in cases}))
    batch = _Batch(uow, calendar, limits, known)
    for case in cases:
        if isinstance(case, CaseSubmittedV1):
            if case.case_id not in batch.known:
                facts = CaseFacts(case.category, case.kind, risk_of(case.risk_signals))
                batch.known[case.case_id] = facts
                batch.new_facts.append(
                    {
                        "case_id": case.case_id,
                        "category": facts.category,
                        "kind": facts.kind,
                        "risk": facts.risk,
                    }
                )
        elif isinstance(case, CaseAssignedV1):
            if case.trigger != "submitted":
                # A reassignment: the case's open clocks follow it to its new unit.
                await batch.flush_for(case.case_id)
                if case.trigger in MOVES_LEVEL:  # first: a stopped clock keeps its unit
                    await _follow_level(batch, case)
                await repo.follow_people(case.case_id, case.unit_code, case.assignee_id)
            batch.open(
                case.case_id,
                "accept",
                case.assigned_at,
                unit_code=case.unit_code,
                unit_level=case.unit_level,
                handler_id=case.assignee_id,
            )
        else:
            await batch.flush_for(case.case_id)
            await _apply_step(batch, case)
    await batch.finish()


async def _follow_level(batch: _Batch, moved: CaseAssignedV1) -> None:
    """The case went up (上报) or down (交办) the tree: the clocks of the stages a unit
    works (``RESTART_ON_MOVE``) stop and open again at the new unit with its level's
    limits, counted from when it received the case; the others only record the new
    level. Cards already fired stay with the stopped clock (each card once per clock);
    the new clock is told apart by the assignment's id, and a replay finds only clocks
    started at the new unit (not before it received the case), so it changes nothing."""
    repo = batch.repo
    for clock in await repo.open_clocks(moved.case_id):
        if clock.started_at >= moved.assigned_at:
            continue  # opened at the new unit already
        if clock.stage not in RESTART_ON_MOVE:
            await repo.update(clock.clock_id, {"unit_level": moved.unit_level})
            continue
        await repo.update(
            clock.clock_id,
            {
                "status": "stopped",
                "stopped_at": moved.assigned_at,
                "stop_step": f"moved:{moved.trigger}",
            },
        )
        await cancel_cards(batch.uow, clock.clock_id)
        batch.open(
            moved.case_id,
            clock.stage,
            moved.assigned_at,
            unit_code=moved.unit_code,
            unit_level=moved.unit_level,
            handler_id=moved.assignee_id,
            occurrence=f"{moved.trigger}:{moved.assignment_id}",
        )
    await batch.flush()


def _named_due(value: object) -> datetime | None:
    """A due time an event names: a datetime, or a date (due by the end of its working day)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, END_OF_WORKDAY, tzinfo=BEIJING)
    return None


async def _apply_step(batch: _Batch, step: CaseWorkStepV1) -> None:
    repo = batch.repo
    batch.progress_of(step)
    effects = [
        e
        for e in effects_of(step.kind, step.step)
        if e.when is None or getattr(step, e.when, None) is not None
    ]
    # The clocks follow the step's unit and handler; the leading run of stops (all of
    # them in stages.py today) in the same statement.
    leading: list[str] = []
    while effects and isinstance(effects[0], Stop) and not effects[0].earliest_only:
        leading.append(effects.pop(0).stage)
    stopped = await repo.follow_and_stop(
        step.case_id, step.unit_code, step.handler_id, leading, step.occurred_at, step.step
    )
    batch.stopped.extend(stopped)
    stops: list[str] = []  # a later run of Stop effects, applied in one statement
    for effect in effects:
        if isinstance(effect, Stop) and not effect.earliest_only:
            stops.append(effect.stage)
            continue
        await _stop(batch, step, stops)
        stops = []
        if isinstance(effect, Open):
            started = getattr(step, effect.start, None)
            per = getattr(step, effect.per, None) if effect.per else None
            batch.open(
                step.case_id,
                effect.stage,
                started if isinstance(started, datetime) else step.occurred_at,
                unit_code=step.unit_code,
                unit_level=level_of(step.unit_code),
                handler_id=step.handler_id,
                occurrence=per.isoformat() if isinstance(per, date | datetime) else str(per or ""),
                named_due=_named_due(getattr(step, effect.due, None)) if effect.due else None,
                cap=effect.cap,
            )
        elif isinstance(effect, Stop):  # the earliest only
            await batch.flush_for(step.case_id)
            for clock in (await repo.open_clocks(step.case_id, effect.stage))[:1]:
                await repo.update(
                    clock.clock_id,
                    {"status": "stopped", "stopped_at": step.occurred_at, "stop_step": step.step},
                )
                await cancel_cards(batch.uow, clock.clock_id)
        elif isinstance(effect, Extend):
            new_due = _named_due(getattr(step, effect.due, None))
            if new_due is None:
                continue
            await batch.flush_for(step.case_id)
            for clock in await repo.open_clocks(step.case_id, effect.stage):
                if clock.basis is None:
                    deadlines = clock.deadlines.shifted(new_due - clock.deadlines.due_at)
                    values = deadline_columns(deadlines)
                else:
                    basis, deadlines = clock_rules.extend(clock.basis, clock.deadlines, new_due)
                    values = {**basis_columns(basis), **deadline_columns(deadlines)}
                await repo.update(clock.clock_id, values)
                if clock.status == "running":
                    await schedule_cards(batch.uow, clock.clock_id, deadlines, fired_cards(clock))
        elif isinstance(effect, Pause):
            await batch.flush_for(step.case_id)
            await pausing.pause_open_clocks(
                batch.uow, batch.calendar, step.case_id, effect.stage, step.occurred_at, step.step
            )
        elif isinstance(effect, Resume):
            await batch.flush_for(step.case_id)
            await pausing.resume_open_clocks(
                batch.uow, batch.calendar, step.case_id, effect.stage, step.occurred_at
            )
    await _stop(batch, step, stops)


async def _stop(batch: _Batch, step: CaseWorkStepV1, stages: list[str]) -> None:
    """Stop the case's open clocks of these stages in one statement (``closed`` stops
    four); their cards are cancelled with the batch's others (``finish``)."""
    if not stages:
        return
    await batch.flush_for(step.case_id)
    stopped = await batch.repo.follow_and_stop(
        step.case_id, step.unit_code, step.handler_id, stages, step.occurred_at, step.step
    )
    batch.stopped.extend(stopped)
