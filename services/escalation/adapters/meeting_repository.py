"""Writes of meetings (例会), and the reads a write needs: the case facts kept from the
case stream, a meeting locked for change, the agenda's candidates (cases with their
clocks, grids with missing returns), units from escalation's registry view.

Uniqueness does the exactly-once work: one meeting per unit and month
(``uq_meetings_unit_period``), one decision per agenda item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.meeting_tables import (
    meeting_agenda_items,
    meeting_cases,
    meeting_decisions,
    meetings,
)
from services.escalation.adapters.screening_tables import registry_units, screening_tasks
from services.escalation.adapters.tables import clocks
from services.escalation.domain.meetings import SETTLED_STATES, CaseFacts, MissingReturn


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class MeetingRow:
    meeting_id: str
    unit_code: str
    unit_name: str | None
    unit_level: str
    district_code: str
    period: str
    name: str
    starts_at: datetime
    window_start: datetime
    status: str
    version: int
    agenda_generated_at: datetime
    attendance: list[dict[str, Any]]
    minutes: str | None
    created_by: str
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    seq: int
    kind: str
    flags: list[str]
    case_id: str | None
    facts: dict[str, Any]


@dataclass(frozen=True)
class DecisionRow:
    item_id: str
    decision_id: str
    action: str
    case_id: str | None
    assignee_id: str | None
    assignee_name: str | None
    plan: str | None
    plan_due: date | None
    note: str | None
    escalated_to: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class CasePlace:
    """Where a case is now, as the case stream last said."""

    case_id: str
    unit_code: str | None
    unit_level: str | None
    handler_id: str | None


class MeetingCaseView:
    """The case facts an agenda needs, kept from ``case.submitted``, ``case.assigned``
    and the case-work steps (applied in the order given)."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add_cases(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(_INSERT_CASE, rows)

    async def move(self, rows: list[dict[str, Any]]) -> None:
        """Each row: b_case_id, b_unit_code, b_unit_level, b_handler_id, b_state,
        b_changed_at; a None keeps the value there."""
        if rows:
            await self.conn.execute(_MOVE_CASE, rows)


class MeetingRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    # -- units ------------------------------------------------------------------------

    async def unit(self, code: str) -> Unit | None:
        row = (await self.conn.execute(_UNIT, {"b_code": code})).first()
        return Unit(row.code, row.name, row.level, row.parent_code) if row else None

    async def units_at_level(self, district_code: str, level: str) -> list[Unit]:
        rows = await self.conn.execute(
            _UNITS_AT_LEVEL, {"b_prefix": district_code, "b_level": level}
        )
        return [Unit(r.code, r.name, r.level, r.parent_code) for r in rows]

    # -- meetings ---------------------------------------------------------------------

    async def insert_meeting(self, row: dict[str, Any]) -> bool:
        """True if the unit had no meeting for that month yet."""
        return (await self.conn.execute(_INSERT_MEETING, row)).first() is not None

    async def lock(self, meeting_id: str) -> MeetingRow | None:
        row = (await self.conn.execute(_LOCK, {"b_id": meeting_id})).first()
        return MeetingRow(**row._mapping) if row else None

    async def scheduled_for(self, district_code: str, period: str, level: str) -> list[str]:
        """Ids of the district's meetings of ``period`` at ``level`` still scheduled."""
        rows = await self.conn.execute(
            _SCHEDULED, {"b_prefix": district_code, "b_period": period, "b_level": level}
        )
        return [r.meeting_id for r in rows]

    async def change(self, meeting_id: str, values: dict[str, Any]) -> int:
        """Apply ``values`` and bump the version; the new version."""
        result = await self.conn.execute(
            update(meetings)
            .where(meetings.c.meeting_id == meeting_id)
            .values(**values, version=meetings.c.version + 1)
            .returning(meetings.c.version)
        )
        return int(result.scalar_one())

    # -- the agenda ---------------------------------------------------------------------

    async def candidate_cases(self, prefix: str, window_start: datetime) -> list[CaseFacts]:
        """Disputes under ``prefix`` (by current unit or grid) still unresolved or
        submitted since ``window_start``, with their running clocks' earliest due time
        and whether one carries a yellow or red card."""
        rows = await self.conn.execute(_CANDIDATES, {"b_prefix": prefix, "b_window": window_start})
        return [
            CaseFacts(
                case_id=r.case_id,
                case_number=r.case_number,
                category=r.category,
                title=r.title,
                risk_signals=tuple(r.risk_signals or ()),
                people_involved=r.people_involved,
                grid_code=r.grid_code,
                unit_code=r.unit_code,
                handler_id=r.handler_id,
                state=r.state,
                submitted_at=r.submitted_at,
                earliest_due_at=r.earliest_due_at,
                yellow_fired=bool(r.yellow_fired),
                red_fired=bool(r.red_fired),
            )
            for r in rows
        ]

    async def missing_returns(
        self, prefix: str, window_start: datetime, at: datetime
    ) -> list[MissingReturn]:
        """Grids under ``prefix`` whose return is still missing, or went missing since
        ``window_start`` (and was filed late after that)."""
        rows = await self.conn.execute(
            _MISSING, {"b_prefix": prefix, "b_window": window_start, "b_at": at}
        )
        return [
            MissingReturn(r.task_id, r.grid_code, r.grid_name, r.period_key, r.due_at, r.filed_at)
            for r in rows
        ]

    async def replace_agenda(self, meeting_id: str, rows: list[dict[str, Any]]) -> None:
        await self.conn.execute(
            delete(meeting_agenda_items).where(meeting_agenda_items.c.meeting_id == meeting_id)
        )
        if rows:
            await self.conn.execute(insert(meeting_agenda_items), rows)

    async def items(self, meeting_id: str) -> list[ItemRow]:
        rows = await self.conn.execute(_ITEMS, {"b_id": meeting_id})
        return [ItemRow(**r._mapping) for r in rows]

    async def case_place(self, case_id: str) -> CasePlace | None:
        row = (await self.conn.execute(_PLACE, {"b_case_id": case_id})).first()
        return CasePlace(**row._mapping) if row else None

    # -- decisions ----------------------------------------------------------------------

    async def add_decision(self, row: dict[str, Any]) -> bool:
        """False if the item was decided already."""
        return (await self.conn.execute(_INSERT_DECISION, row)).first() is not None

    async def decisions(self, meeting_id: str) -> list[DecisionRow]:
        rows = await self.conn.execute(_DECISIONS, {"b_id": meeting_id})
        return [DecisionRow(**r._mapping) for r in rows]


# Built once (one prepared statement each).
_INSERT_CASE = insert(meeting_cases).on_conflict_do_nothing()
_MOVE_CASE = (
    update(meeting_cases)
    .where(meeting_cases.c.case_id == bindparam("b_case_id"))
    .values(
        unit_code=func.coalesce(bindparam("b_unit_code"), meeting_cases.c.unit_code),
        unit_level=func.coalesce(bindparam("b_unit_level"), meeting_cases.c.unit_level),
        handler_id=func.coalesce(bindparam("b_handler_id"), meeting_cases.c.handler_id),
        state=func.coalesce(bindparam("b_state"), meeting_cases.c.state),
        changed_at=bindparam("b_changed_at"),
    )
)
_UNIT = select(
    registry_units.c.code,
    registry_units.c.name,
    registry_units.c.level,
    registry_units.c.parent_code,
).where(registry_units.c.code == bindparam("b_code"))
_UNITS_AT_LEVEL = (
    select(
        registry_units.c.code,
        registry_units.c.name,
        registry_units.c.level,
        registry_units.c.parent_code,
    )
    .where(
        registry_units.c.level == bindparam("b_level"),
        registry_units.c.code.startswith(bindparam("b_prefix")),
    )
    .order_by(registry_units.c.code)
)
_INSERT_MEETING = insert(meetings).on_conflict_do_nothing().returning(meetings.c.meeting_id)
_LOCK = (
    select(*(meetings.c[name] for name in MeetingRow.__dataclass_fields__))
    .where(meetings.c.meeting_id == bindparam("b_id"))
    .with_for_update()
)
_SCHEDULED = (
    select(meetings.c.meeting_id)
    .where(
        meetings.c.period == bindparam("b_period"),
        meetings.c.unit_level == bindparam("b_level"),
        meetings.c.district_code == bindparam("b_prefix"),
        meetings.c.status == "scheduled",
    )
    .order_by(meetings.c.unit_code)
)
_running = clocks.c.status == "running"
_clock_summary = (
    select(
        func.min(clocks.c.due_at).filter(_running).label("earliest_due_at"),
        func.bool_or(and_(_running, clocks.c.yellow_fired_at.is_not(None))).label("yellow_fired"),
        func.bool_or(and_(_running, clocks.c.red_fired_at.is_not(None))).label("red_fired"),
    )
    .where(clocks.c.case_id == meeting_cases.c.case_id)
    .lateral("k")
)
_CANDIDATES = (
    select(
        meeting_cases.c.case_id,
        meeting_cases.c.case_number,
        meeting_cases.c.category,
        meeting_cases.c.title,
        meeting_cases.c.risk_signals,
        meeting_cases.c.people_involved,
        meeting_cases.c.grid_code,
        meeting_cases.c.unit_code,
        meeting_cases.c.handler_id,
        meeting_cases.c.state,
        meeting_cases.c.submitted_at,
        _clock_summary.c.earliest_due_at,
        _clock_summary.c.yellow_fired,
        _clock_summary.c.red_fired,
    )
    .select_from(meeting_cases.join(_clock_summary, true()))
    .where(
        meeting_cases.c.kind == "dispute",
        or_(
            meeting_cases.c.unit_code.startswith(bindparam("b_prefix")),
            meeting_cases.c.grid_code.startswith(bindparam("b_prefix")),
        ),
        or_(
            meeting_cases.c.state.is_(None),
            meeting_cases.c.state.not_in(sorted(SETTLED_STATES)),
            meeting_cases.c.submitted_at >= bindparam("b_window"),
        ),
    )
    .order_by(meeting_cases.c.case_id)
)
_grid_names = registry_units.alias("g")
_MISSING = (
    select(
        screening_tasks.c.task_id,
        screening_tasks.c.grid_code,
        _grid_names.c.name.label("grid_name"),
        screening_tasks.c.period_key,
        screening_tasks.c.due_at,
        screening_tasks.c.filed_at,
    )
    .select_from(
        screening_tasks.outerjoin(_grid_names, _grid_names.c.code == screening_tasks.c.grid_code)
    )
    .where(
        screening_tasks.c.grid_code.startswith(bindparam("b_prefix")),
        screening_tasks.c.missing_flagged_at.is_not(None),
        screening_tasks.c.missing_flagged_at <= bindparam("b_at"),
        or_(
            screening_tasks.c.status == "missing",
            screening_tasks.c.missing_flagged_at >= bindparam("b_window"),
        ),
    )
    .order_by(screening_tasks.c.grid_code, screening_tasks.c.due_at)
)
_ITEMS = (
    select(
        meeting_agenda_items.c.item_id,
        meeting_agenda_items.c.seq,
        meeting_agenda_items.c.kind,
        meeting_agenda_items.c.flags,
        meeting_agenda_items.c.case_id,
        meeting_agenda_items.c.facts,
    )
    .where(meeting_agenda_items.c.meeting_id == bindparam("b_id"))
    .order_by(meeting_agenda_items.c.seq)
)
_PLACE = select(
    meeting_cases.c.case_id,
    meeting_cases.c.unit_code,
    meeting_cases.c.unit_level,
    meeting_cases.c.handler_id,
).where(meeting_cases.c.case_id == bindparam("b_case_id"))
_INSERT_DECISION = (
    insert(meeting_decisions).on_conflict_do_nothing().returning(meeting_decisions.c.item_id)
)
_DECISIONS = (
    select(
        *(
            meeting_decisions.c[name]
            for name in DecisionRow.__dataclass_fields__
            if name in meeting_decisions.c
        ),
    )
    .where(meeting_decisions.c.meeting_id == bindparam("b_id"))
    .order_by(meeting_decisions.c.decided_at, meeting_decisions.c.item_id)
)
