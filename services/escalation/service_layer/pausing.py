"""Pause and resume a case's stage clocks where practice stops the clock: waiting for a
party's consent to go past the time limit (MoJ 2002 art. 33), an extension awaiting
approval above. The time left is recorded right after the pause; the warning and cards
are cancelled while paused and rescheduled (revived) at the new times on resume.

Today's dispute events do not show a consent being asked for (mediation records only
the extension both parties agreed to), so nothing in the case stream pauses a clock
yet: a step mapped to ``Pause``/``Resume`` in ``domain/stages.py`` will, and
``pause_stage`` / ``resume_stage`` are the service-layer entry for a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.repository import (
    ClockRepository,
    basis_columns,
    deadline_columns,
)
from services.escalation.domain import clocks as clock_rules
from services.escalation.service_layer import rates
from services.escalation.service_layer.cards import cancel_cards, fired_cards, schedule_cards
from shared.db.unit_of_work import UnitOfWork
from shared.working_calendar import WorkingCalendar


@dataclass(frozen=True)
class PauseResult:
    clock_id: str
    status: str
    due_at: datetime
    remaining: clock_rules.Remaining | None  # right after a pause; None after a resume


async def pause_open_clocks(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    case_id: str,
    stage: str,
    at: datetime,
    reason: str,
) -> list[PauseResult]:
    repo = ClockRepository(uow.connection)
    results = []
    for clock in await repo.open_clocks(case_id, stage):
        if clock.status != "running":
            continue
        basis = clock.basis or clock_rules.Basis(
            "calendar", clock_rules.local_day(clock.started_at), 0, 0, 0, 0, fixed=True
        )
        left = clock_rules.remaining(calendar, basis, clock.deadlines.due_at, at)
        await repo.update(
            clock.clock_id,
            {
                "status": "paused",
                "paused_at": at,
                "pause_reason": reason,
                "remaining_s": left.until_due.total_seconds(),
                "remaining_working_days": left.working_days,
            },
        )
        await cancel_cards(uow, clock.clock_id)
        results.append(PauseResult(clock.clock_id, "paused", clock.deadlines.due_at, left))
    return results


async def resume_open_clocks(
    uow: UnitOfWork, calendar: WorkingCalendar, case_id: str, stage: str, at: datetime
) -> list[PauseResult]:
    repo = ClockRepository(uow.connection)
    results = []
    for clock in await repo.open_clocks(case_id, stage):
        if clock.status != "paused" or clock.paused_at is None:
            continue
        if clock.basis is None:
            deadlines = clock.deadlines.shifted(at - clock.paused_at)
            values = deadline_columns(deadlines)
        else:
            basis, deadlines = clock_rules.resume(
                calendar, clock.basis, clock.started_at, clock.deadlines, clock.paused_at, at
            )
            values = {**basis_columns(basis), **deadline_columns(deadlines)}
        await repo.update(
            clock.clock_id,
            {
                **values,
                "status": "running",
                "paused_at": None,
                "pause_reason": None,
                "remaining_s": None,
                "remaining_working_days": None,
            },
        )
        await schedule_cards(uow, clock.clock_id, deadlines, fired_cards(clock))
        results.append(PauseResult(clock.clock_id, "running", deadlines.due_at, None))
    if results:  # the due times moved: the rates judge by the new ones
        await rates.refresh_due_times(uow, [case_id])
    return results


async def pause_stage(
    uow: UnitOfWork, case_id: str, stage: str, at: datetime, reason: str
) -> list[PauseResult]:
    """Pause the case's running ``stage`` clocks and commit."""
    calendar = await CalendarRepository(uow.connection).calendar()
    results = await pause_open_clocks(uow, calendar, case_id, stage, at, reason)
    await uow.commit()
    return results


async def resume_stage(
    uow: UnitOfWork, case_id: str, stage: str, at: datetime
) -> list[PauseResult]:
    """Resume the case's paused ``stage`` clocks and commit."""
    calendar = await CalendarRepository(uow.connection).calendar()
    results = await resume_open_clocks(uow, calendar, case_id, stage, at)
    await uow.commit()
    return results
