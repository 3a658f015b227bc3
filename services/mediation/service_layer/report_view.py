"""Escalation's monthly-report events folded into mediation's view of each unit's month
(``domain/report_states.py``), for the dashboard's reports page.

Consumer handler: never commits (the consumer commits with its inbox rows). A notice
heard before, or older than the kept version, changes nothing.
"""

from __future__ import annotations

from services.mediation.adapters.report_repository import lock_reports, save_reports
from services.mediation.domain.report_states import ReportNotice, ReportState, fold
from shared.db.unit_of_work import UnitOfWork


async def apply_report_notices(uow: UnitOfWork, notices: list[ReportNotice]) -> None:
    """In the order heard, each into its unit's month; one upsert for the batch."""
    if not notices:
        return
    keys = sorted({(n.unit_code, n.month) for n in notices})
    states: dict[tuple[str, str], ReportState] = await lock_reports(uow.connection, keys)
    changed: dict[tuple[str, str], ReportState] = {}
    for notice in notices:
        key = (notice.unit_code, notice.month)
        before = states.get(key)
        after = fold(before, notice)
        if after != before:
            states[key] = changed[key] = after
    await save_reports(uow.connection, list(changed.values()))
