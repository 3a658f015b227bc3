"""Supervision (督办): a centre operator supervises a case of a unit below it; a red card
of a stage the district lists supervises on its own, in the transaction that fires the
card (so once, across sweepers and restarts). The handler answers by a due time in
working days; the answer-due job flags a missing answer once
(``escalation.supervision.answer_overdue``, keyed by the supervision). An operator above
the unit cancels one; a cancelled supervision costs no points. Days, points and which red
cards supervise are the district's data (``domain/supervision_policy.json``).
DOMAIN.md "Time limits and supervision".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.repository import ClockRow
from services.escalation.adapters.supervision_repository import (
    SUPERVISION_FIELDS,
    SupervisionRepository,
    SupervisionRow,
)
from services.escalation.domain import supervision as rules
from services.escalation.domain.authority import is_above, parent_of
from services.escalation.service_layer.command_audit import audit_command
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    check_version,
    remember,
    replayed,
)
from services.escalation.service_layer.refusals import NotAllowed, NotFound, WrongState
from shared.auth.roles import OPERATORS
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import (
    SupervisionAnsweredV1,
    SupervisionAnswerOverdueV1,
    SupervisionCancelledV1,
    SupervisionIssuedV1,
)
from shared.logging import get_logger
from shared.scheduling import ScheduledJob, cancel, schedule
from shared.scheduling.sweeper import JobHandler

log = get_logger(__name__)

ANSWER_OVERDUE = "escalation.supervision.answer_overdue"


@functools.cache
def policy() -> rules.SupervisionPolicy:
    return rules.load_policy()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def supervision_body(row: SupervisionRow) -> dict[str, Any]:
    return {
        name: _iso(value) if isinstance(value, datetime) else value
        for name, value in ((f, getattr(row, f)) for f in SUPERVISION_FIELDS)
    }


async def _issue(uow: UnitOfWork, row: SupervisionRow, red_card_clock: str | None) -> bool:
    values = {f: getattr(row, f) for f in SUPERVISION_FIELDS}
    if not await SupervisionRepository(uow.connection).add(
        {**values, "red_card_clock_id": red_card_clock}
    ):
        return False
    await schedule(
        uow,
        ANSWER_OVERDUE,
        row.answer_due_at,
        {"supervision_id": row.supervision_id},
        dedupe_key=row.supervision_id,
    )
    uow.publish(
        topics.CYCLE,
        row.case_id,
        SupervisionIssuedV1(
            supervision_id=row.supervision_id,
            case_id=row.case_id,
            level=row.level,  # type: ignore[arg-type]
            origin=row.origin,  # type: ignore[arg-type]
            issued_by=row.issued_by,
            issuing_unit_code=row.issuing_unit_code,
            unit_code=row.unit_code,
            handler_id=row.handler_id,
            stage=row.stage,  # type: ignore[arg-type]
            clock_id=row.clock_id,
            deduction=row.deduction,
            answer_due_at=row.answer_due_at,
            issued_at=row.issued_at,
        ),
    )
    return True


def _new(
    *,
    case_id: str,
    level: str,
    origin: str,
    issued_by: str | None,
    issuing_unit_code: str | None,
    unit_code: str | None,
    handler_id: str | None,
    stage: str | None,
    clock_id: str | None,
    deduction: float,
    instructions: str,
    answer_due_at: datetime,
    issued_at: datetime,
) -> SupervisionRow:
    return SupervisionRow(
        supervision_id=str(uuid.uuid4()),
        case_id=case_id,
        level=level,
        origin=origin,
        issued_by=issued_by,
        issuing_unit_code=issuing_unit_code,
        unit_code=unit_code,
        handler_id=handler_id,
        stage=stage,
        clock_id=clock_id,
        deduction=deduction,
        instructions=instructions,
        answer_due_at=answer_due_at,
        issued_at=issued_at,
        status="open",
        answered_by=None,
        answer_text=None,
        answered_at=None,
        on_time=None,
        cancelled_by=None,
        cancel_note=None,
        cancelled_at=None,
        overdue_flagged_at=None,
        version=1,
    )


async def issue(
    uow: UnitOfWork,
    case_id: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    idempotency: Idempotency,
) -> Answer:
    """A centre operator above the case's unit supervises it."""
    request = rules.validate_issue(raw)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    holder = await SupervisionRepository(uow.connection).holder(case_id)
    if holder is None:
        raise NotFound("No such case here.", "未找到该案件。")
    if principal.role not in OPERATORS or not is_above(principal.unit_codes, holder.unit_code):
        raise NotAllowed(
            "A centre operator above the case's unit supervises it.",
            "督办须由案件所属单位的上级中心发起。",
        )
    district = policy().of(holder.unit_code)
    days = request.answer_due_days or district.answer_due_days[request.level]
    calendar = await CalendarRepository(uow.connection).calendar()
    issuing = next(c for c in principal.unit_codes if is_above([c], holder.unit_code))
    row = _new(
        case_id=case_id,
        level=request.level,
        origin="operator",
        issued_by=principal.staff_id,
        issuing_unit_code=issuing,
        unit_code=holder.unit_code,
        handler_id=holder.handler_id,
        stage=None,
        clock_id=None,
        deduction=district.deductions[request.level],
        instructions=request.instructions,
        answer_due_at=rules.answer_due(calendar, now, days),
        issued_at=now,
    )
    await _issue(uow, row, None)
    await audit_command(uow, principal, "supervision.issue", row.supervision_id, row.level)
    answer = Answer(201, supervision_body(row), {"ETag": '"1"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def supervise_red_card(uow: UnitOfWork, clock: ClockRow, now: datetime) -> None:
    """Inside the red card's transaction: the district's red-card supervision, once per
    clock (a unique key on the clock), if its policy lists the stage."""
    district = policy().of(clock.unit_code)
    if clock.stage not in district.red_card_stages:
        return
    calendar = await CalendarRepository(uow.connection).calendar()
    row = _new(
        case_id=clock.case_id,
        level="red_card",
        origin="red_card",
        issued_by=None,
        issuing_unit_code=parent_of(clock.unit_code) if clock.unit_code else None,
        unit_code=clock.unit_code,
        handler_id=clock.handler_id,
        stage=clock.stage,
        clock_id=clock.clock_id,
        deduction=district.deductions["red_card"],
        instructions=f"红牌督办：{clock.stage} 环节已超过红牌时限，请说明原因并限期办结。",
        answer_due_at=rules.answer_due(calendar, now, district.red_card_answer_days),
        issued_at=now,
    )
    if await _issue(uow, row, clock.clock_id):
        log.info("red_card_supervised", clock_id=clock.clock_id, stage=clock.stage)


async def _locked(uow: UnitOfWork, case_id: str, supervision_id: str) -> SupervisionRow:
    row = await SupervisionRepository(uow.connection).lock(supervision_id)
    if row is None or row.case_id != case_id:
        raise NotFound("No such supervision on this case.", "该案件没有此督办。")
    return row


async def answer_supervision(
    uow: UnitOfWork,
    case_id: str,
    supervision_id: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """The handler answers (督办回复); late answers are taken, marked not on time."""
    words = rules.validate_words(raw.get("answer"), "answer")
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    row = await _locked(uow, case_id, supervision_id)
    if row.handler_id != principal.staff_id:
        raise NotAllowed("Only the case's handler answers.", "只有本案承办人可以回复督办。")
    check_version(row.version, if_match)
    if row.status != "open":
        raise WrongState(f"The supervision is {row.status}.", "该督办已回复或已撤销。")
    on_time = now <= row.answer_due_at
    await SupervisionRepository(uow.connection).update(
        supervision_id,
        {
            "status": "answered",
            "answered_by": principal.staff_id,
            "answer_text": words,
            "answered_at": now,
            "on_time": on_time,
        },
    )
    await cancel(uow, ANSWER_OVERDUE, supervision_id)
    uow.publish(
        topics.CYCLE,
        case_id,
        SupervisionAnsweredV1(
            supervision_id=supervision_id,
            case_id=case_id,
            answered_by=principal.staff_id,
            answered_at=now,
            on_time=on_time,
        ),
    )
    await audit_command(uow, principal, "supervision.answer", supervision_id, str(on_time))
    return await _answered(uow, case_id, supervision_id, idempotency)


async def cancel_supervision(
    uow: UnitOfWork,
    case_id: str,
    supervision_id: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """An operator above the supervised unit withdraws it (撤销督办): the overdue job is
    cancelled and its points no longer count."""
    note = rules.validate_words(raw.get("note"), "note")
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    row = await _locked(uow, case_id, supervision_id)
    if principal.role not in OPERATORS or not is_above(principal.unit_codes, row.unit_code):
        raise NotAllowed(
            "A centre operator above the supervised unit cancels it.",
            "撤销督办须由被督办单位的上级中心操作。",
        )
    check_version(row.version, if_match)
    if row.status == "cancelled":
        raise WrongState("The supervision is cancelled already.", "该督办已撤销。")
    await SupervisionRepository(uow.connection).update(
        supervision_id,
        {
            "status": "cancelled",
            "cancelled_by": principal.staff_id,
            "cancel_note": note,
            "cancelled_at": now,
        },
    )
    await cancel(uow, ANSWER_OVERDUE, supervision_id)
    uow.publish(
        topics.CYCLE,
        case_id,
        SupervisionCancelledV1(
            supervision_id=supervision_id,
            case_id=case_id,
            cancelled_by=principal.staff_id,
            cancelled_at=now,
        ),
    )
    await audit_command(uow, principal, "supervision.cancel", supervision_id, "cancelled")
    return await _answered(uow, case_id, supervision_id, idempotency)


async def _answered(
    uow: UnitOfWork, case_id: str, supervision_id: str, idempotency: Idempotency
) -> Answer:
    row = await _locked(uow, case_id, supervision_id)
    answer = Answer(200, supervision_body(row), {"ETag": f'"{row.version}"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


class NotDueYet(RuntimeError):
    """The supervision's answer is due later than its job: never expected, retried."""


async def flag_overdue(uow: UnitOfWork, job: ScheduledJob, now: datetime) -> None:
    """No answer by the due time: flagged once (the marker, the event and the job marked
    fired commit together)."""
    repo = SupervisionRepository(uow.connection)
    supervision_id = str(job.payload["supervision_id"])
    row = await repo.lock(supervision_id)
    if row is None or row.status != "open" or row.overdue_flagged_at is not None:
        return
    if row.answer_due_at > now:
        raise NotDueYet(supervision_id)
    await repo.update(supervision_id, {"overdue_flagged_at": now}, new_version=False)
    uow.publish(
        topics.CYCLE,
        row.case_id,
        SupervisionAnswerOverdueV1(
            supervision_id=supervision_id,
            case_id=row.case_id,
            unit_code=row.unit_code,
            handler_id=row.handler_id,
            answer_due_at=row.answer_due_at,
            flagged_at=now,
        ),
    )


def supervision_handlers(now: Callable[[], datetime]) -> dict[str, JobHandler[UnitOfWork]]:
    async def run(uow: UnitOfWork, job: ScheduledJob) -> None:
        await flag_overdue(uow, job, now())

    return {ANSWER_OVERDUE: run}
