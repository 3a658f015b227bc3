"""Time limits over HTTP: every staff member reads them; district operators change them.

``PUT /time-limits/{category}/{level}/{risk}/{stage}`` writes one row: a new row
without If-Match (201), an existing one with the ETag it was read at (412 when stale,
428 when missing), always with an Idempotency-Key. Each change is audited and kept in
the row's history. A change applies to clocks opened afterwards; running clocks keep
the limit they opened with.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.adapters import queries
from services.escalation.adapters.limits import limit_data
from services.escalation.domain.limits import LimitInvalid, LimitKey, LimitRow
from services.escalation.entrypoints.problems import TIME_LIMIT_INVALID
from services.escalation.entrypoints.writes import (
    WRITE_RESPONSES,
    answered,
    idempotency,
    if_match,
)
from services.escalation.service_layer import limits as handlers
from services.escalation.service_layer.idempotent import Answer
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import FieldError, not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["time limits"])
READERS = Access(*roles.STAFF)
EDITORS = Access(roles.DISTRICT_OPERATOR, roles.ADMIN)
PATH = "/time-limits/{category}/{level}/{risk}/{stage}"


class LimitIn(BaseModel):
    """Days from the clock's start; types are checked by the rules, field by field."""

    model_config = ConfigDict(extra="forbid")

    due: Any = Field(None, description="whole days to the due time, 0–99")
    yellow: Any = Field(None, description="whole days to the yellow card, ≥ due")
    red: Any = Field(None, description="whole days to the red card, > yellow, ≤ 99")
    warn: Any = Field(0, description="whole days before the due time to warn (0: none)")
    counting: Any = Field("working", description="working or calendar days")
    note: str | None = Field(None, max_length=500)


class LimitOut(BaseModel):
    category: str
    level: str
    risk: str
    stage: str
    due: int
    yellow: int
    red: int
    warn: int
    counting: str
    version: int


class LimitChangeOut(BaseModel):
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any]
    actor_id: str
    actor_role: str
    note: str | None
    changed_at: datetime


def _out(row: LimitRow) -> LimitOut:
    return LimitOut.model_validate(handlers.limit_body(row.key, limit_data(row.limit), row.version))


def _runtime(request: Request) -> ServiceRuntime[None]:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    return runtime


@router.get("/time-limits", response_model=list[LimitOut])
async def list_limits(request: Request, principal: Principal = Depends(READERS)) -> list[LimitOut]:
    """Every row: the one matching a case best applies (risk, then category — else
    ``default`` — then level — else ``any``)."""
    async with _runtime(request).uow() as uow:
        rows = await queries.all_limits(uow.connection)
    return [_out(r) for r in rows]


@router.get(PATH, response_model=LimitOut)
async def get_limit(
    category: str,
    level: str,
    risk: str,
    stage: str,
    request: Request,
    principal: Principal = Depends(READERS),
) -> JSONResponse:
    """One row; its ETag is the version a change must name in If-Match."""
    async with _runtime(request).uow() as uow:
        row = await queries.one_limit(uow.connection, LimitKey(category, level, risk, stage))
    if row is None:
        raise not_found("time limit", "时限")
    return JSONResponse(_out(row).model_dump(), headers={"ETag": f'"{row.version}"'})


@router.get(PATH + "/changes", response_model=list[LimitChangeOut])
async def limit_history(
    category: str,
    level: str,
    risk: str,
    stage: str,
    request: Request,
    principal: Principal = Depends(EDITORS),
) -> list[LimitChangeOut]:
    """Who changed the row, when, from what to what."""
    async with _runtime(request).uow() as uow:
        changes = await queries.limit_changes(
            uow.connection, LimitKey(category, level, risk, stage)
        )
    return [LimitChangeOut.model_validate(asdict(c)) for c in changes]


@router.put(PATH, response_model=LimitOut, responses=WRITE_RESPONSES)
async def put_limit(
    category: str,
    level: str,
    risk: str,
    stage: str,
    body: LimitIn,
    request: Request,
    principal: Principal = Depends(EDITORS),
) -> JSONResponse:
    """Create or change a row (validated as platforms do: whole days, at most 99, the red
    card later than the yellow). Applies to clocks opened from now on."""
    key = LimitKey(category, level, risk, stage)
    version = if_match(request)
    idem = await idempotency(request, principal)
    raw = body.model_dump(exclude={"note"})

    async def work() -> Answer:
        async with _runtime(request).uow() as uow:
            return await handlers.put_limit(
                uow, key, raw, principal, if_match=version, idempotency=idem, note=body.note
            )

    try:
        return await answered(work)
    except LimitInvalid as exc:
        in_path = {"category", "level", "risk", "stage"}
        raise TIME_LIMIT_INVALID(
            "The time limit breaks a rule; see errors.",
            "时限设置不符合规则，详见 errors。",
            errors=[
                FieldError(f"#/path/{field}" if field in in_path else f"#/{field}", code, en, zh)
                for field, code, en, zh in exc.problems
            ],
        ) from exc
