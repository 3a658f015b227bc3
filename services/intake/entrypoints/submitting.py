"""The one path every channel's write takes: claim the key, check, store, answer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.intake.domain.commands import PromoteDiaryEntry, SubmitReport, WriteDiaryEntry
from services.intake.domain.refusals import IdempotencyConflict, SubmissionRefused
from services.intake.entrypoints.support import (
    answer_response,
    conflict,
    duplicate_policy,
    event_context,
    reference_in,
    refused,
    runtime_of,
    submission_batcher,
    uow_for,
)
from services.intake.service_layer import handlers
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from shared.http.problems import not_found
from shared.privacy.crypto import KeyRing


def personal_data_keys(request: Request) -> KeyRing:
    return runtime_of(request).state.pii_keys


@contextlib.contextmanager
def refusals_as_problems() -> Iterator[None]:
    """Refused submissions and idempotency-key conflicts become problem documents."""
    try:
        yield
    except SubmissionRefused as exc:
        raise refused(exc) from None
    except IdempotencyConflict as exc:
        raise conflict(exc) from None


async def submit(request: Request, cmd: SubmitReport, claim: IdempotencyClaim | None) -> Answer:
    """Write the submission with the others arriving now (group commit), or alone when
    the batch hands it back; refusals and key conflicts become problem documents."""
    with refusals_as_problems():
        batcher = submission_batcher(runtime_of(request))
        if batcher is not None:
            answer = await batcher.submit(cmd, claim, event_context(request))
            if answer is not None:
                return answer
        async with uow_for(request) as uow:
            ref = await reference_in(request, uow)
            return await handlers.submit_report(
                uow,
                cmd,
                ref,
                duplicate_policy(runtime_of(request)),
                personal_data_keys(request),
                claim,
            )


async def write_diary(
    request: Request, cmd: WriteDiaryEntry, claim: IdempotencyClaim | None
) -> Answer:
    with refusals_as_problems():
        async with uow_for(request) as uow:
            ref = await reference_in(request, uow)
            return await handlers.write_diary_entry(uow, cmd, ref, claim)


async def promote(
    request: Request, cmd: PromoteDiaryEntry, claim: IdempotencyClaim | None
) -> Answer:
    try:
        with refusals_as_problems():
            async with uow_for(request) as uow:
                ref = await reference_in(request, uow)
                return await handlers.promote_diary_entry(
                    uow,
                    cmd,
                    ref,
                    duplicate_policy(runtime_of(request)),
                    personal_data_keys(request),
                    claim,
                )
    except LookupError:
        raise not_found("diary entry", "日记") from None


def respond(answer: Answer) -> JSONResponse:
    return answer_response(answer)


def dump(model: Any) -> Any:
    """The canonical JSON form of a parsed body, for fingerprints."""
    return model.model_dump(mode="json")
