"""The handler pauses the mediation clock while waiting for a party's consent, and
resumes it (``domain/pauses.py`` says which, ``pausing.py`` does the clock work): the
answer shows the time left right after a pause; idempotent and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.repository import ClockRepository
from services.escalation.domain.pauses import validate_pause
from services.escalation.service_layer.command_audit import audit_command
from services.escalation.service_layer.idempotent import Answer, Idempotency, remember, replayed
from services.escalation.service_layer.pausing import (
    PauseResult,
    pause_open_clocks,
    resume_open_clocks,
)
from services.escalation.service_layer.refusals import NotAllowed, NotFound, WrongState
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork


def _body(result: PauseResult) -> dict[str, Any]:
    left = result.remaining
    return {
        "clock_id": result.clock_id,
        "status": result.status,
        "due_at": result.due_at.isoformat(),
        "remaining_s": left.until_due.total_seconds() if left is not None else None,
        "remaining_working_days": left.working_days if left is not None else None,
    }


async def _handled_clocks(
    uow: UnitOfWork, case_id: str, stage: str, principal: Principal, status: str
) -> None:
    clocks = await ClockRepository(uow.connection).open_clocks(case_id, stage)
    if not clocks:
        raise NotFound("No open clock of this stage.", "该环节没有未停止的时限。")
    if not any(c.handler_id == principal.staff_id for c in clocks):
        raise NotAllowed(
            "Only the case's handler pauses or resumes its clock.",
            "只有本案承办人可以暂停或恢复计时。",
        )
    if not any(c.status == status for c in clocks):
        raise WrongState(
            f"The clock is not {status}.",
            "该时限未在计时。" if status == "running" else "该时限未暂停。",
        )


async def pause(
    uow: UnitOfWork,
    case_id: str,
    stage: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    idempotency: Idempotency,
) -> Answer:
    reason = validate_pause(stage, raw)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    await _handled_clocks(uow, case_id, stage, principal, "running")
    calendar = await CalendarRepository(uow.connection).calendar()
    results = await pause_open_clocks(uow, calendar, case_id, stage, now, reason)
    await audit_command(uow, principal, "clock.pause", f"{case_id}/{stage}", reason)
    answer = Answer(200, [_body(r) for r in results])
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def resume(
    uow: UnitOfWork,
    case_id: str,
    stage: str,
    principal: Principal,
    now: datetime,
    idempotency: Idempotency,
) -> Answer:
    validate_pause(stage, {})
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    await _handled_clocks(uow, case_id, stage, principal, "paused")
    calendar = await CalendarRepository(uow.connection).calendar()
    results = await resume_open_clocks(uow, calendar, case_id, stage, now)
    await audit_command(uow, principal, "clock.resume", f"{case_id}/{stage}", "running")
    answer = Answer(200, [_body(r) for r in results])
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer
