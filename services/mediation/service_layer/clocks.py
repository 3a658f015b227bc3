"""Escalation's notices about cases folded into mediation's view: clock notices
(warnings, yellow and red cards) into each clock's state, extensions into the clock's
times, supervisions into what waits for the handler's answer; each new one a line on
its case's timeline.

Consumer handler: never commits (the consumer commits with its inbox rows). A notice
heard before changes nothing, so a replayed event adds no second line.
"""

from __future__ import annotations

from datetime import datetime

from services.mediation.adapters import case_deadlines
from services.mediation.adapters.clock_repository import (
    add_clock_lines,
    close_supervision,
    lock_clocks,
    move_clock,
    open_supervision,
    save_clocks,
)
from services.mediation.domain.clocks import ClockNotice, ClockState, fold, timeline_line
from services.mediation.domain.cycle_notices import (
    ClockMoved,
    CycleNotice,
    SupervisionOpened,
)
from shared.db.unit_of_work import UnitOfWork


async def apply_cycle_notices(uow: UnitOfWork, notices: list[ClockNotice | CycleNotice]) -> None:
    """In order: the clock notices first fold into their clocks (saved before any
    extension moves one), then the other notices' effects, then every line."""
    conn = uow.connection
    clock_notices = [n for n in notices if isinstance(n, ClockNotice)]
    clocks: dict[str, ClockState] = await lock_clocks(
        conn, list({n.clock_id for n in clock_notices})
    )
    changed: dict[str, ClockState] = {}
    lines: list[tuple[str, datetime, str, str]] = []
    for notice in notices:
        if isinstance(notice, ClockNotice):
            state, news = fold(clocks.get(notice.clock_id), notice)
            if news:
                clocks[notice.clock_id] = changed[notice.clock_id] = state
                step, what = timeline_line(notice)
                lines.append((notice.case_id, notice.fired_at, step, what))
            continue
        lines.append((notice.line.case_id, notice.line.at, notice.line.step, notice.line.what))
    await save_clocks(conn, list(changed.values()))
    for notice in notices:
        if not isinstance(notice, CycleNotice) or notice.effect is None:
            continue
        effect = notice.effect
        if isinstance(effect, ClockMoved):
            await move_clock(conn, effect)
        elif isinstance(effect, SupervisionOpened):
            await open_supervision(conn, effect)
        else:
            await close_supervision(conn, effect)
    await add_clock_lines(conn, lines)
    # The cases' deadline and card on the list, from their clocks as they now stand.
    await case_deadlines.refresh(conn, {line[0] for line in lines})
