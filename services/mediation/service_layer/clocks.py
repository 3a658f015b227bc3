"""Escalation's clock notices (warnings, yellow and red cards) folded into mediation's
view of the clocks, each new one a line on its case's timeline.

Consumer handler: never commits (the consumer commits with its inbox rows). A notice
heard before changes nothing, so a replayed event adds no second line.
"""

from __future__ import annotations

from services.mediation.adapters.clock_repository import add_clock_lines, lock_clocks, save_clocks
from services.mediation.domain.clocks import ClockNotice, ClockState, fold, timeline_line
from shared.db.unit_of_work import UnitOfWork


async def apply_clock_notices(uow: UnitOfWork, notices: list[ClockNotice]) -> None:
    clocks: dict[str, ClockState] = await lock_clocks(
        uow.connection, list({n.clock_id for n in notices})
    )
    changed: dict[str, ClockState] = {}
    lines = []
    for notice in notices:
        state, news = fold(clocks.get(notice.clock_id), notice)
        if not news:
            continue
        clocks[notice.clock_id] = changed[notice.clock_id] = state
        step, what = timeline_line(notice)
        lines.append((notice.case_id, notice.fired_at, step, what))
    await save_clocks(uow.connection, list(changed.values()))
    await add_clock_lines(uow.connection, lines)
