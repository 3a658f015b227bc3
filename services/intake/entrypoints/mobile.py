"""Grid officers' mobile API (bearer token): submit, diary, offline sync, my lists.

Phones lose the network: every write carries a key (``Idempotency-Key``, or a queued
item's ``client_id``), and a submission sent online and later replayed from the queue
with the same key is stored once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.intake.adapters import queries
from services.intake.domain.commands import PromoteDiaryEntry, Reporter, WriteDiaryEntry
from services.intake.entrypoints import key_owners, screening
from services.intake.entrypoints.schemas import DiaryEntryIn, PromoteIn, SubmissionIn, SyncIn
from services.intake.entrypoints.submitting import dump, promote, respond, submit, write_diary
from services.intake.entrypoints.support import (
    config_of,
    fingerprint,
    idempotency_claim,
    runtime_of,
    uow_for,
)
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import Problem, validation_problem

router = APIRouter(prefix="/mobile/v1", tags=["mobile"])

# Reporting from the field and the diary are the grid officer's; every staff member's
# phone shows their own to-do and done lists.
OFFICER = Access(roles.GRID_OFFICER)
STAFF = Access(*roles.STAFF)

SUBMIT_PATH = "/mobile/v1/reports"
DIARY_PATH = "/mobile/v1/diary"


def _scope(principal: Principal) -> str:
    return key_owners.officer(principal)


def _officer(principal: Principal) -> Reporter:
    return Reporter(channel="officer", staff_id=principal.staff_id)


@router.post("/reports", status_code=201)
async def submit_report(
    body: SubmissionIn, request: Request, principal: Principal = Depends(OFFICER)
) -> JSONResponse:
    """Submit a report or dispute from the field."""
    claim = idempotency_claim(request, _scope(principal), dump(body))
    cmd = body.to_command(_officer(principal), client_id=request.headers.get("Idempotency-Key"))
    return respond(await submit(request, cmd, claim))


@router.post("/diary", status_code=201)
async def write_diary_entry(
    body: DiaryEntryIn, request: Request, principal: Principal = Depends(OFFICER)
) -> JSONResponse:
    """Keep a public-sentiment diary entry (民情日记)."""
    claim = idempotency_claim(request, _scope(principal), dump(body))
    return respond(await write_diary(request, _diary_command(body, principal, None), claim))


def _diary_command(
    body: DiaryEntryIn, principal: Principal, client_id: str | None
) -> WriteDiaryEntry:
    return WriteDiaryEntry(
        staff_id=principal.staff_id,
        content=body.content,
        occurred_on=body.occurred_on.isoformat(),
        location=body.location_value(),
        client_id=client_id,
    )


@router.post("/diary/{entry_id}/promote", status_code=201)
async def promote_diary_entry(
    entry_id: str,
    body: PromoteIn,
    request: Request,
    principal: Principal = Depends(OFFICER),
) -> JSONResponse:
    """Turn one of my diary entries into a report, at the entry's place or at the one
    given here (needed when the entry has none)."""
    claim = idempotency_claim(request, _scope(principal), dump(body))
    cmd = PromoteDiaryEntry(
        staff_id=principal.staff_id,
        entry_id=entry_id,
        kind=body.kind,
        category=body.category,
        subcategory=body.subcategory,
        title=body.title,
        location=body.location_value() if body.has_place() else None,
    )
    return respond(await promote(request, cmd, claim))


def _problem_body(problem: Problem, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(bytes(problem.to_response(request).body))
    return body


@router.post("/sync")
async def sync(
    body: SyncIn, request: Request, principal: Principal = Depends(OFFICER)
) -> dict[str, Any]:
    """Replay the phone's offline queue: one result per item, in order.

    Each item commits on its own, keyed by its ``client_id`` (the same key space as the
    ``Idempotency-Key`` of the online routes), so the whole batch or any part of it can
    be sent again: items already stored answer with their first result and
    ``replayed: true``; an item whose ``client_id`` was used for different content
    answers 422. One bad item never blocks the others.
    """
    ttl = config_of(runtime_of(request)).idempotency_ttl_h

    results: list[dict[str, Any]] = []
    for item in body.items:
        try:
            if item.type == "submission":
                parsed = SubmissionIn.model_validate(item.body)
                claim = IdempotencyClaim(
                    f"{_scope(principal)} {SUBMIT_PATH}",
                    item.client_id,
                    fingerprint(dump(parsed)),
                    timedelta(hours=ttl),
                )
                cmd = parsed.to_command(_officer(principal), client_id=item.client_id)
                answer: Answer = await submit(request, cmd, claim)
            elif item.type == "screening_return":
                queued = screening.ScreeningSyncIn.model_validate(item.body)
                claim = screening.sync_claim(
                    principal, queued, item.client_id, timedelta(hours=ttl)
                )
                answer = await screening.file_return(
                    request, queued.task_id, queued.to_return(), principal, claim
                )
            else:
                diary = DiaryEntryIn.model_validate(item.body)
                claim = IdempotencyClaim(
                    f"{_scope(principal)} {DIARY_PATH}",
                    item.client_id,
                    fingerprint(dump(diary)),
                    timedelta(hours=ttl),
                )
                answer = await write_diary(
                    request, _diary_command(diary, principal, item.client_id), claim
                )
            results.append(
                {
                    "client_id": item.client_id,
                    "status": answer.status_code,
                    "replayed": answer.replayed,
                    "result": answer.body,
                }
            )
        except ValidationError as exc:
            problem = validation_problem([dict(e) for e in exc.errors()])
            results.append(
                {
                    "client_id": item.client_id,
                    "status": 422,
                    "replayed": False,
                    "problem": _problem_body(problem, request),
                }
            )
        except Problem as problem:
            results.append(
                {
                    "client_id": item.client_id,
                    "status": problem.status,
                    "replayed": False,
                    "problem": _problem_body(problem, request),
                }
            )
    return {"results": results}


def _page(page: queries.SyncPage) -> dict[str, Any]:
    """The items and the cursor for the next call (see ``queries.SyncPage``)."""
    return {"items": page.rows, "next_since": page.next_since}


SINCE = Query(0, ge=0, le=2**62, description="The next_since of the previous page; 0 for all.")
LIMIT = Query(200, ge=1, le=1000)


@router.get("/todo")
async def my_todo(
    request: Request,
    since: int = SINCE,
    limit: int = LIMIT,
    principal: Principal = Depends(STAFF),
) -> dict[str, Any]:
    """Cases assigned to me (待办). With ``since``, also the ones that left my list
    (``in_list: false``), so the phone can drop them."""
    async with uow_for(request) as uow:
        page = await queries.todo(uow.connection, principal.staff_id, since, limit)
    return _page(page)


@router.get("/done")
async def my_done(
    request: Request,
    since: int = SINCE,
    limit: int = LIMIT,
    principal: Principal = Depends(STAFF),
) -> dict[str, Any]:
    """What I reported, and closed cases that were mine (已办)."""
    async with uow_for(request) as uow:
        page = await queries.done(uow.connection, principal.staff_id, since, limit)
    return _page(page)


@router.get("/diary")
async def my_diary(
    request: Request,
    since: int = SINCE,
    limit: int = LIMIT,
    principal: Principal = Depends(OFFICER),
) -> dict[str, Any]:
    async with uow_for(request) as uow:
        page = await queries.diary(uow.connection, principal.staff_id, since, limit)
    return _page(page)
