"""Import a year of the working calendar, and move every open deadline it changes.

A year is replaced whole (the State Council's notice for it, or a correction). Running
clocks counted in working days from their start are computed again under the new
calendar in the same transaction, and their pending warnings and cards move with them;
a card already fired stays fired. Clocks whose due time the case names keep it, and
paused clocks are computed again when they resume.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.repository import ClockRepository, deadline_columns
from services.escalation.adapters.tables import TABLES
from services.escalation.domain import clocks as clock_rules
from services.escalation.service_layer import rates
from services.escalation.service_layer.cards import fired_cards, schedule_cards
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    check_version,
    remember,
    replayed,
)
from shared import audit
from shared.audit import AuditEntry
from shared.db.unit_of_work import UnitOfWork
from shared.logging import get_logger
from shared.working_calendar import CalendarGap, WorkingCalendar, YearCalendar

log = get_logger(__name__)

IMPORT_ACTION = "calendar.import"
RECOMPUTE_BATCH = 500


@dataclass(frozen=True)
class Imported:
    year: int
    version: int
    provisional: bool
    clocks_moved: int


async def recompute_open_deadlines(uow: UnitOfWork, calendar: WorkingCalendar) -> int:
    """Every running working-day clock under ``calendar``; how many moved."""
    repo = ClockRepository(uow.connection)
    moved, after = 0, ""
    while True:
        batch = await repo.running_working_clocks(after, RECOMPUTE_BATCH)
        if not batch:
            return moved
        moved_cases: list[str] = []
        for clock in batch:
            if clock.basis is None:
                continue
            try:
                deadlines = clock_rules.recompute(
                    calendar, clock.basis, clock.started_at, clock.deadlines
                )
            except CalendarGap as exc:
                log.warning("clock_not_recomputed", clock_id=clock.clock_id, error=str(exc))
                continue
            if deadlines != clock.deadlines:
                await repo.update(clock.clock_id, deadline_columns(deadlines))
                await schedule_cards(uow, clock.clock_id, deadlines, fired_cards(clock))
                moved_cases.append(clock.case_id)
                moved += 1
        await rates.refresh_due_times(uow, moved_cases)
        after = batch[-1].clock_id


async def import_year(
    uow: UnitOfWork,
    year: YearCalendar,
    *,
    actor_id: str,
    actor_role: str,
    if_match: int | None = None,
    check: bool = False,
) -> Imported:
    """Write the year (versions checked when ``check``: the API), recompute, audit; the
    caller commits."""
    store = CalendarRepository(uow.connection)
    current = await store.lock_version(year.year)
    if check:
        check_version(current, if_match)
    version = (current or 0) + 1
    await store.put(year, version=version, actor_id=actor_id)
    calendar = (await store.calendar()).with_year(year)
    moved = await recompute_open_deadlines(uow, calendar)
    await audit.append(
        uow.connection,
        TABLES.audit_log,
        TABLES.audit_purges,
        AuditEntry(
            actor=actor_id,
            role=actor_role,
            action=IMPORT_ACTION,
            object=f"calendar/{year.year}",
            source="escalation",
            result=f"version {version}; {moved} clocks moved",
        ),
    )
    log.info("calendar_year_imported", year=year.year, version=version, clocks_moved=moved)
    return Imported(year.year, version, year.provisional, moved)


async def import_year_now(
    uow: UnitOfWork, year: YearCalendar, *, actor_id: str, actor_role: str
) -> Imported:
    """The CLI's import: the file replaces the year whatever its version."""
    imported = await import_year(uow, year, actor_id=actor_id, actor_role=actor_role)
    await uow.commit()
    return imported


async def put_year(
    uow: UnitOfWork,
    year: YearCalendar,
    *,
    actor_id: str,
    actor_role: str,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """The API's import: idempotent, and based on the version read (If-Match)."""
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    imported = await import_year(
        uow, year, actor_id=actor_id, actor_role=actor_role, if_match=if_match, check=True
    )
    answer = Answer(
        200 if imported.version > 1 else 201,
        {**year.as_data(), "version": imported.version, "clocks_moved": imported.clocks_moved},
        {"ETag": f'"{imported.version}"'},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer
