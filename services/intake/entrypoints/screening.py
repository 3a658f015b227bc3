"""Screening (排查) on the grid officer's phone: my open tasks, and the return.

``POST /mobile/v1/screening/{task_id}/return`` files the grid's return, like every
write here idempotent under its ``Idempotency-Key`` (the replay of a return answers
as the first time, ``Idempotency-Replayed: true``); any other second return is 409.
Only the grid's officers can see or file its tasks: another grid's task is not found.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from services.intake.adapters import screening as tasks
from services.intake.domain.commands import Reporter
from services.intake.domain.screening import (
    FileScreeningReturn,
    ReturnAlreadyFiled,
    ScreeningTaskUnknown,
)
from services.intake.entrypoints import key_owners
from services.intake.entrypoints.problems import SCREENING_RETURN_FILED
from services.intake.entrypoints.schemas import Strict, SubmissionIn
from services.intake.entrypoints.submitting import (
    dump,
    personal_data_keys,
    refusals_as_problems,
    respond,
)
from services.intake.entrypoints.support import (
    duplicate_policy,
    fingerprint,
    idempotency_claim,
    reference_in,
    runtime_of,
    uow_for,
)
from services.intake.service_layer import screening
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import not_found
from shared.http.text import CleanText

router = APIRouter(prefix="/mobile/v1", tags=["mobile"])
OFFICER = Access(roles.GRID_OFFICER)


class ScreenedDisputeIn(SubmissionIn):
    """A dispute found in screening: a dispute submission (its parties, facts, place)."""

    kind: Literal["dispute"] = "dispute"


class ScreeningReturnIn(Strict):
    """Either ``nil_report: true`` (零报告: nothing found) or the disputes found."""

    nil_report: bool = False
    disputes: list[ScreenedDisputeIn] = Field(default_factory=list, max_length=50)
    note: Annotated[CleanText, Field(max_length=1000)] | None = None

    @model_validator(mode="after")
    def _nil_or_disputes(self) -> ScreeningReturnIn:
        if self.nil_report and self.disputes:
            raise ValueError("A nil report lists no disputes.|零报告不能同时列出矛盾纠纷。")
        if not self.nil_report and not self.disputes:
            raise ValueError(
                "List the disputes found, or file a nil report (nil_report: true).|"
                "请列出排查发现的矛盾纠纷，或报送零报告（nil_report: true）。"
            )
        return self


def _command(body: ScreeningReturnIn, task_id: str, principal: Principal) -> FileScreeningReturn:
    officer = Reporter(channel="officer", staff_id=principal.staff_id)
    return FileScreeningReturn(
        task_id=task_id,
        staff_id=principal.staff_id,
        nil_report=body.nil_report,
        disputes=tuple(d.to_command(officer, source="排查") for d in body.disputes),
        note=body.note,
    )


RETURN_PATH = "/mobile/v1/screening/{task_id}/return"


class ScreeningSyncIn(ScreeningReturnIn):
    """A return queued offline (``/mobile/v1/sync`` item ``screening_return``)."""

    task_id: Annotated[str, Field(min_length=1, max_length=64)]

    def to_return(self) -> ScreeningReturnIn:
        return ScreeningReturnIn.model_validate(self.model_dump(exclude={"task_id"}))


async def file_return(
    request: Request,
    task_id: str,
    body: ScreeningReturnIn,
    principal: Principal,
    claim: IdempotencyClaim | None,
) -> Answer:
    """File the return (online or from the sync queue); refusals become problems."""
    runtime = runtime_of(request)
    try:
        with refusals_as_problems():
            async with uow_for(request) as uow:
                return await screening.file_return(
                    uow,
                    _command(body, task_id, principal),
                    principal,
                    await reference_in(request, uow),
                    duplicate_policy(runtime),
                    personal_data_keys(request),
                    runtime.clock.now(),
                    claim,
                )
    except ScreeningTaskUnknown:
        raise not_found("screening task", "排查任务") from None
    except ReturnAlreadyFiled as exc:
        filed = exc.filed_at.isoformat() if exc.filed_at else "earlier"
        raise SCREENING_RETURN_FILED(
            f"This task's return was filed at {filed}; one return per task.",
            f"该任务已于 {filed} 报送，每期每个网格只报送一次。",
        ) from None


def sync_claim(
    principal: Principal, item: ScreeningSyncIn, client_id: str, ttl: timedelta
) -> IdempotencyClaim:
    """The claim a queued return makes: the same key space as the online route's
    ``Idempotency-Key``, so a return sent online and replayed from the queue is one."""
    path = RETURN_PATH.format(task_id=item.task_id)
    return IdempotencyClaim(
        f"{key_owners.officer(principal)} {path}",
        client_id,
        fingerprint(dump(item.to_return())),
        ttl,
    )


@router.post(
    "/screening/{task_id}/return",
    status_code=201,
    responses={409: {"description": "This task's return is already filed."}},
)
async def file_screening_return(
    task_id: str,
    body: ScreeningReturnIn,
    request: Request,
    principal: Principal = Depends(OFFICER),
) -> JSONResponse:
    """File my grid's screening return: the disputes found (each becomes a case linked
    to the task) or a nil report. A major dispute is reported at once through
    ``/mobile/v1/reports``, never held for this return. Offline, queue it in
    ``/mobile/v1/sync`` as a ``screening_return`` item with the same key."""
    claim = idempotency_claim(request, key_owners.officer(principal), dump(body))
    return respond(await file_return(request, task_id, body, principal, claim))


def _task(view: tasks.TaskView) -> dict[str, Any]:
    return {
        "task_id": view.task_id,
        "period_key": view.period_key,
        "grid_code": view.grid_code,
        "grid_name": view.grid_name,
        "schedule": view.schedule,
        "cadence": view.cadence,
        "period_start": view.period_start.isoformat(),
        "period_end": view.period_end.isoformat(),
        "due_at": view.due_at.isoformat(),
        "status": view.status,
    }


@router.get("/screening")
async def my_screening_tasks(
    request: Request, principal: Principal = Depends(OFFICER)
) -> dict[str, Any]:
    """My grid's screening tasks still waiting for a return, the earliest due first."""
    async with uow_for(request) as uow:
        views = await tasks.open_tasks(uow.connection, principal)
    return {"items": [_task(v) for v in views]}
