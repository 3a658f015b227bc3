"""Extensions (延期): the handler asks for more working days on a running stage; an
operator of a level above the clock's unit approves (at most the days asked) or refuses.
DOMAIN.md "Time limits and supervision": "Extensions are requested in working days and
approved above."

A pending request does not stop the clock. An approval moves the clock's due time,
warning and cards by the granted working days (``domain/extensions.py``) and moves its
pending card jobs in the same transaction (``schedule_cards``: moved, never duplicated;
a card already fired stays fired). Every write is idempotent, versioned and audited.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.extension_repository import (
    ExtensionRepository,
    ExtensionRow,
    PendingExists,
)
from services.escalation.adapters.repository import (
    ClockRepository,
    basis_columns,
    deadline_columns,
)
from services.escalation.domain import extensions as rules
from services.escalation.domain.authority import is_above
from services.escalation.domain.limits import STAGES
from services.escalation.service_layer import rates
from services.escalation.service_layer.cards import fired_cards, schedule_cards
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
from shared.events.escalation import ExtensionDecidedV1, ExtensionRequestedV1
from shared.working_calendar import CalendarGap

REQUEST_ACTION = "extension.request"
DECIDE_ACTION = "extension.decide"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def extension_body(row: ExtensionRow) -> dict[str, Any]:
    """The JSON answer (also what an idempotent retry gets back)."""
    return {
        "extension_id": row.extension_id,
        "case_id": row.case_id,
        "clock_id": row.clock_id,
        "stage": row.stage,
        "unit_code": row.unit_code,
        "handler_id": row.handler_id,
        "requested_by": row.requested_by,
        "requested_days": row.requested_days,
        "reason": row.reason,
        "reason_text": row.reason_text,
        "requested_at": _iso(row.requested_at),
        "current_due_at": _iso(row.current_due_at),
        "status": row.status,
        "granted_days": row.granted_days,
        "decided_by": row.decided_by,
        "decision_note": row.decision_note,
        "decided_at": _iso(row.decided_at),
        "due_at": _iso(row.due_at),
        "version": row.version,
    }


async def request_extension(
    uow: UnitOfWork,
    case_id: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    idempotency: Idempotency,
) -> Answer:
    """The case's handler asks for ``days`` more working days on a running stage."""
    request = rules.validate_request(raw, STAGES)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    clocks = await ClockRepository(uow.connection).open_clocks(case_id, request.stage)
    running = [c for c in clocks if c.status == "running"]
    if not clocks:
        raise NotFound("No open clock of this stage.", "该环节没有计时中的时限。")
    if not running:
        raise WrongState(
            "The clock is paused: an extension is asked for on a running clock.",
            "该时限已暂停，只能对计时中的时限申请延期。",
        )
    clock = running[0]
    if clock.handler_id != principal.staff_id:
        raise NotAllowed(
            "Only the case's handler asks for an extension.", "只有本案承办人可以申请延期。"
        )
    row = ExtensionRow(
        extension_id=str(uuid.uuid4()),
        case_id=case_id,
        clock_id=clock.clock_id,
        stage=clock.stage,
        unit_code=clock.unit_code,
        unit_level=clock.unit_level,
        handler_id=clock.handler_id,
        requested_by=principal.staff_id,
        requested_days=request.days,
        reason=request.reason,
        reason_text=request.words,
        requested_at=now,
        current_due_at=clock.deadlines.due_at,
        status="pending",
        granted_days=None,
        decided_by=None,
        decided_role=None,
        decision_note=None,
        decided_at=None,
        due_at=None,
        version=1,
    )
    try:
        await ExtensionRepository(uow.connection).add(extension_body_columns(row))
    except PendingExists as exc:
        raise WrongState(
            "This clock already has an extension waiting for a decision.",
            "该时限已有待审批的延期申请。",
        ) from exc
    uow.publish(
        topics.CYCLE,
        case_id,
        ExtensionRequestedV1(
            extension_id=row.extension_id,
            case_id=case_id,
            clock_id=clock.clock_id,
            stage=clock.stage,  # type: ignore[arg-type]
            unit_code=clock.unit_code,
            unit_level=clock.unit_level,
            handler_id=clock.handler_id,
            requested_by=principal.staff_id,
            requested_days=request.days,
            reason=request.reason,  # type: ignore[arg-type]
            current_due_at=clock.deadlines.due_at,
            requested_at=now,
        ),
    )
    await audit_command(uow, principal, REQUEST_ACTION, row.extension_id, f"{request.days} days")
    answer = Answer(201, extension_body(row), {"ETag": '"1"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


def extension_body_columns(row: ExtensionRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ExtensionRow.__dataclass_fields__}


async def decide_extension(
    uow: UnitOfWork,
    case_id: str,
    extension_id: str,
    raw: dict[str, Any],
    principal: Principal,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """An operator of a level above the clock's unit approves (the clock moves by the
    granted working days, its pending jobs with it) or refuses, in words."""
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    requests = ExtensionRepository(uow.connection)
    ext = await requests.lock(case_id, extension_id)
    if ext is None:
        raise NotFound("No such extension request on this case.", "该案件没有此延期申请。")
    if principal.role not in OPERATORS or not is_above(principal.unit_codes, ext.unit_code):
        raise NotAllowed(
            "An operator of a level above the clock's unit decides.",
            "延期须由时限所属单位的上级中心审批。",
        )
    check_version(ext.version, if_match)
    if ext.status != "pending":
        raise WrongState("This request was decided already.", "该延期申请已审批。")
    decision = rules.validate_decision(raw, ext.requested_days)
    clocks = ClockRepository(uow.connection)
    clock = await clocks.lock(ext.clock_id)
    if clock is None or (decision.approved and clock.status == "stopped"):
        raise WrongState(
            "The clock has stopped: there is nothing to extend.", "该时限已停止，无需延期。"
        )
    deadlines = clock.deadlines
    if decision.approved:
        calendar = await CalendarRepository(uow.connection).calendar()
        try:
            basis, deadlines = rules.extended(calendar, clock.basis, clock.deadlines, decision.days)
        except CalendarGap as exc:
            raise WrongState(
                "The working calendar has no data for the year the extension reaches; "
                "import it first (PUT /calendar/{year}).",
                "工作日历缺少延期所到年份的数据，请先导入该年日历。",
            ) from exc
        values = deadline_columns(deadlines)
        if basis is not None:
            values.update(basis_columns(basis))
        await clocks.update(clock.clock_id, values)
        if clock.status == "running":  # a paused clock's jobs come back when it resumes
            await schedule_cards(uow, clock.clock_id, deadlines, fired_cards(clock))
        await rates.refresh_due_times(uow, [case_id])
    status = "approved" if decision.approved else "refused"
    await requests.decide(
        extension_id,
        {
            "status": status,
            "granted_days": decision.days,
            "decided_by": principal.staff_id,
            "decided_role": principal.role,
            "decision_note": decision.words,
            "decided_at": now,
            "due_at": deadlines.due_at,
        },
    )
    uow.publish(
        topics.CYCLE,
        case_id,
        ExtensionDecidedV1(
            extension_id=extension_id,
            case_id=case_id,
            clock_id=clock.clock_id,
            stage=clock.stage,  # type: ignore[arg-type]
            decision=status,  # type: ignore[arg-type]
            requested_days=ext.requested_days,
            granted_days=decision.days,
            decided_by=principal.staff_id,
            decided_at=now,
            previous_due_at=clock.deadlines.due_at,
            due_at=deadlines.due_at,
            yellow_at=deadlines.yellow_at,
            red_at=deadlines.red_at,
        ),
    )
    await audit_command(
        uow, principal, DECIDE_ACTION, extension_id, f"{status} {decision.days} days"
    )
    decided = await requests.lock(case_id, extension_id)
    assert decided is not None
    answer = Answer(200, extension_body(decided), {"ETag": f'"{decided.version}"'})
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer
