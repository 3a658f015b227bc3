"""What every intake route needs: the runtime, the reference cache, idempotency keys,
translation of refusals into problem documents, and the per-client rate limiter."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from services.intake.config import IntakeConfig
from services.intake.domain.refusals import IdempotencyConflict, SubmissionRefused
from services.intake.domain.validation import Reference
from services.intake.entrypoints.problems import IDEMPOTENCY_KEY_INVALID, IDEMPOTENCY_KEY_REUSED
from services.intake.service_layer.accepting import DuplicatePolicy
from services.intake.service_layer.batching import SubmissionBatcher
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from services.intake.service_layer.reference import ReferenceCache
from services.intake.state import IntakeRuntime
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.http.client_address import client_address
from shared.http.openapi import answers
from shared.http.problems import RATE_LIMITED, VALIDATION, FieldError, Problem

IDEMPOTENCY_HEADER = "Idempotency-Key"


def runtime_of(request: Request) -> IntakeRuntime:
    runtime: IntakeRuntime = request.app.state.runtime
    return runtime


def config_of(runtime: IntakeRuntime) -> IntakeConfig:
    return runtime.state.config


def reference_cache(runtime: IntakeRuntime) -> ReferenceCache:
    return runtime.state.reference


def submission_batcher(runtime: IntakeRuntime) -> SubmissionBatcher | None:
    return runtime.state.submission_batcher


def duplicate_policy(runtime: IntakeRuntime) -> DuplicatePolicy:
    config = config_of(runtime)
    return DuplicatePolicy(config.duplicate_radius_m, timedelta(hours=config.duplicate_window_h))


def event_context(request: Request) -> EventContext:
    return EventContext(correlation_id=request.state.correlation_id)


def uow_for(request: Request) -> UnitOfWork:
    return runtime_of(request).uow(event_context(request))


async def reference_in(request: Request, uow: UnitOfWork) -> Reference:
    return await reference_cache(runtime_of(request)).get(uow)


def fingerprint(body: Any) -> str:
    """A hash of a request's canonical JSON (key order and spacing do not matter)."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def idempotency_claim(
    request: Request, scope: str, body: Any, operation: str | None = None
) -> IdempotencyClaim | None:
    """The claim for this request's Idempotency-Key header, if it sent one. The key is
    kept under the request's path, or ``operation`` when the path holds a secret (a
    tracking token)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 128 or not key.isascii() or not key.isprintable():
        raise IDEMPOTENCY_KEY_INVALID(
            "Use 1 to 128 printable ASCII characters, e.g. a UUID.",
            "请使用 1 至 128 个可打印 ASCII 字符，例如 UUID。",
        )
    ttl = timedelta(hours=config_of(runtime_of(request)).idempotency_ttl_h)
    # The scope's path, not ``request.url``: building the URL object showed in profiles.
    path = operation or request.scope["path"]
    return IdempotencyClaim(f"{scope} {path}", key, fingerprint(body), ttl)


def refused(exc: SubmissionRefused) -> Problem:
    errors = [FieldError(i.pointer, i.code, i.en, i.zh) for i in exc.issues]
    return VALIDATION(
        "; ".join(i.en for i in exc.issues),
        "；".join(i.zh for i in exc.issues),
        errors=errors,
    )


def conflict(_: IdempotencyConflict) -> Problem:
    return IDEMPOTENCY_KEY_REUSED(
        "This key was already used with a different body; use a new key for a new request.",
        "该幂等键已用于内容不同的请求；新请求请使用新的键。",
    )


class AnswerResponse(JSONResponse):
    """JSON rendered by orjson (Starlette's renderer is the standard library's)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def answer_response(answer: Answer) -> JSONResponse:
    headers = {"Idempotency-Replayed": "true"} if answer.replayed else {}
    return AnswerResponse(answer.body, status_code=answer.status_code, headers=headers)


@answers(429)
async def rate_limited(request: Request) -> None:
    """FastAPI dependency for public routes: 429 with Retry-After past the limit.

    ``async`` although it never waits: FastAPI runs a plain ``def`` dependency in a
    worker thread, and that hand-off cost more than the check (found by profiling).
    """
    runtime = runtime_of(request)
    limiter = runtime.state.rate_limiter
    wait = await limiter.allow(client_address(request.scope, runtime.settings.trusted_proxies))
    if wait > 0:
        raise RATE_LIMITED(
            "Too many submissions from this address; try again later.",
            "该地址提交过于频繁，请稍后再试。",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
