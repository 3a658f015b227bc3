"""What every escalation write route does the same way: read the Idempotency-Key and
the If-Match, and turn the service layer's refusals into problems."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.escalation.entrypoints.problems import (
    BAD_IF_MATCH,
    IDEMPOTENCY_KEY_REQUIRED,
    IDEMPOTENCY_KEY_REUSED,
    VERSION_CHANGED,
    VERSION_REQUIRED,
)
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    KeyReused,
    VersionMismatch,
    VersionRequired,
)
from shared.auth.tokens import Principal
from shared.http.problems import FieldError


def _problem(description: str) -> dict[str, Any]:
    return {"description": description}


WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Idempotency-Key or If-Match missing or malformed"),
    412: _problem("If-Match is stale: it changed since it was read"),
    422: _problem("A field is invalid (errors, field by field)"),
    428: _problem("If-Match required: it exists"),
}


def if_match(request: Request) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BAD_IF_MATCH(
            'If-Match carries the ETag as read, e.g. "3".',
            'If-Match 应为读取时的 ETag，例如 "3"。',
            errors=[FieldError("#/header/If-Match", "etag", "Not an ETag.", "不是有效的 ETag。")],
        )
    return int(value)


async def idempotency(request: Request, principal: Principal) -> Idempotency:
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        raise IDEMPOTENCY_KEY_REQUIRED(
            "Every write carries an Idempotency-Key (up to 200 characters) so that a retry is "
            "answered, not repeated.",
            "每个写操作须带 Idempotency-Key（不超过 200 字符），"
            "以便重试时返回首次结果而不重复执行。",
            errors=[
                FieldError("#/header/Idempotency-Key", "missing", "Required.", "此字段为必填项。")
            ],
        )
    return Idempotency.of(principal, key, request.method, request.url.path, await request.body())


async def answered(work: Callable[[], Awaitable[Answer]]) -> JSONResponse:
    """Run a write and answer it, its refusals as problems."""
    try:
        answer = await work()
    except VersionRequired as exc:
        raise VERSION_REQUIRED(
            "Send If-Match with the ETag you read.", "请在 If-Match 中带上读取时的 ETag。"
        ) from exc
    except VersionMismatch as exc:
        current = exc.current
        raise VERSION_CHANGED(
            f"It is at version {current}; read it again before changing it."
            if current is not None
            else "It does not exist yet: create it without If-Match.",
            f"当前版本为 {current}，请重新读取后再修改。"
            if current is not None
            else "尚不存在：创建时请勿带 If-Match。",
            extra={"current_version": current},
            headers={"ETag": f'"{current}"'} if current is not None else None,
        ) from exc
    except KeyReused as exc:
        raise IDEMPOTENCY_KEY_REUSED(
            "This key was used with another request.", "该 Idempotency-Key 已用于另一个请求。"
        ) from exc
    headers = dict(answer.headers)
    if answer.replayed:
        headers["Idempotency-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)
