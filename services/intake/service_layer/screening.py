"""Screening returns (排查) in intake: the task copy from the cycle stream, and the return
a grid officer files from the phone.

A return is one unit of work: the Idempotency-Key claimed, the task locked, each
dispute found opened as a case through the ordinary submission path (its
``case.submitted`` names the task), the task marked filed, ``screening-return-filed``
queued, the answer recorded, one commit. A refused dispute refuses the whole return
(nothing is stored), so the officer corrects it and sends the return again.

A major dispute is not held for the return: the officer reports it at once with
``POST /mobile/v1/reports`` like any other; the return only lists what screening found.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from services.intake.adapters import screening as tasks
from services.intake.domain.duplicates import DuplicatePolicy
from services.intake.domain.idempotency import Answer, IdempotencyClaim
from services.intake.domain.refusals import SubmissionRefused
from services.intake.domain.screening import (
    FileScreeningReturn,
    ReturnAlreadyFiled,
    ScreeningTaskUnknown,
    within_dispute,
)
from services.intake.domain.validation import Reference
from services.intake.service_layer import idempotency
from services.intake.service_layer.handlers import open_case
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import ScreeningTaskOpenedV1
from shared.events.intake import ScreeningReturnFiledV1
from shared.privacy.crypto import KeyRing


async def file_return(
    uow: UnitOfWork,
    cmd: FileScreeningReturn,
    principal: Principal,
    ref: Reference,
    policy: DuplicatePolicy,
    keys: KeyRing,
    now: datetime,
    idem: IdempotencyClaim | None = None,
) -> Answer:
    """File the grid's return for ``cmd.task_id``; the replay of a filed return answers
    as the first time, any other second return is ``ReturnAlreadyFiled``."""
    if idem is not None:
        prior = await idempotency.claim(uow, idem)
        if prior is not None:
            return prior
    task = await tasks.lock_task(uow.connection, principal, cmd.task_id)
    if task is None:
        raise ScreeningTaskUnknown(cmd.task_id)
    if task.status != "open":
        raise ReturnAlreadyFiled(task.filed_at)
    cases: list[dict[str, str]] = []
    for index, dispute in enumerate(cmd.disputes):
        linked = dataclasses.replace(dispute, screening_task_id=task.task_id)
        try:
            opened = await open_case(uow, linked, ref, policy, keys)
        except SubmissionRefused as exc:
            raise SubmissionRefused(*(within_dispute(index, i) for i in exc.issues)) from None
        cases.append({"case_id": opened.body["case_id"], "case_number": opened.body["case_number"]})
    case_ids = [c["case_id"] for c in cases]
    await tasks.mark_filed(
        uow.connection,
        task.task_id,
        {
            "nil_report": cmd.nil_report,
            "case_ids": case_ids,
            "note": cmd.note,
            "filed_at": now,
            "filed_by": cmd.staff_id,
        },
    )
    uow.publish(
        topics.CYCLE,
        task.task_id,
        ScreeningReturnFiledV1(
            task_id=task.task_id,
            grid_code=task.grid_code,
            period_key=task.period_key,
            nil_report=cmd.nil_report,
            case_ids=case_ids,
            note=cmd.note,
            filed_at=now,
            filed_by=cmd.staff_id,
        ),
    )
    answer = Answer(
        201,
        {
            "task_id": task.task_id,
            "grid_code": task.grid_code,
            "nil_report": cmd.nil_report,
            "cases": cases,
            "filed_at": now.isoformat(),
            "late": now > task.due_at,
        },
    )
    if idem is not None:
        await idempotency.record_many(uow, [(idem, answer)])
    await uow.commit()
    return answer


async def apply_task_opened(uow: UnitOfWork, opened: ScreeningTaskOpenedV1) -> None:
    """Keep the task for the grid's officers (no commit: the consumer commits)."""
    await tasks.insert_task(
        uow.connection,
        {
            "task_id": opened.task_id,
            "period_key": opened.period_key,
            "district_code": opened.district_code,
            "grid_code": opened.grid_code,
            "grid_name": opened.grid_name,
            "schedule": opened.schedule,
            "cadence": opened.cadence,
            "period_start": opened.period_start,
            "period_end": opened.period_end,
            "due_at": opened.due_at,
            "opened_at": opened.opened_at,
            "status": "open",
        },
    )
