"""Routing HTTP API for cases: decisions with their explanations, and reassignment.

Every reassignment (回退, 回避, 上报, 交办) carries an ``Idempotency-Key``, bound to the
caller: a retry with the same key and body gets the first answer with
``Idempotency-Replayed: true`` and moves nothing; the same key with another request is
refused (422 ``idempotency-key-reused``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.routing.adapters import queries
from services.routing.entrypoints.problems import (
    IDEMPOTENCY_KEY_REQUIRED,
    IDEMPOTENCY_KEY_REUSED,
    NOT_CASE_HANDLER,
    REASSIGNMENT_REFUSED,
)
from services.routing.service_layer import handlers
from services.routing.service_layer.handlers import RoutingCache
from services.routing.service_layer.idempotent import Answer, Idempotency, KeyReused
from services.routing.state import RoutingRuntime
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.http.problems import FORBIDDEN, FieldError, not_found

router = APIRouter(tags=["routing"])

READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))
# The handler sends their own case back; centres and admins may do it for them.
REJECTERS = Access(roles.GRID_OFFICER, *roles.HANDLERS, *roles.OPERATORS, roles.ADMIN)
# A party's objection is recorded by the committee's people or the centre.
RECUSERS = Access(*roles.HANDLERS, *roles.OPERATORS, roles.ADMIN)
# 上报: the grid officer or committee member holding the case, or a centre (or admin)
# over its area.
ESCALATORS = Access(roles.GRID_OFFICER, *roles.HANDLERS, *roles.OPERATORS, roles.ADMIN)
# 交办: a centre (or admin) over the case's area hands it down.
HANDERS_DOWN = Access(*roles.OPERATORS, roles.ADMIN)
# Roles that act over an area rather than as a case's handler.
AREA_ROLES = roles.OPERATORS | {roles.ADMIN}


class AssignmentOut(BaseModel):
    assignment_id: str
    unit_code: str
    assignee_id: str | None
    rule: str
    explanation: dict[str, Any]
    active: bool
    assigned_at: datetime
    trigger: str
    supersedes: str | None
    co_handler_ids: list[str]
    ended_at: datetime | None
    ended_reason: str | None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: str = Field(min_length=1, description="the current handler sending the case back")
    reason: str = Field(min_length=1, max_length=500)


class RecusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: str = Field(min_length=1, description="the mediator (or other handler) objected to")
    party: str | None = Field(default=None, max_length=100, description="who objects")
    reason: str = Field(min_length=1, max_length=500)


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class HandDownIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_unit_code: str = Field(
        pattern=r"^[0-9]{9}([0-9]{3}){0,2}$", description="a unit under the case's current one"
    )
    reason: str = Field(min_length=1, max_length=500)


class Reassigned(BaseModel):
    case_id: str
    assignment_id: str


MAX_KEY_LENGTH = 200
# The header every reassignment needs, in the OpenAPI document (read by ``_idempotency``,
# which answers its absence with a 400 field by field rather than FastAPI's 422).
IDEMPOTENCY_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "description": "Unique per intended reassignment (e.g. a UUID), kept by the "
            "caller for its retries: a retry with the same key and body is answered with "
            "the first answer and `Idempotency-Replayed: true`, and moves nothing.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        }
    ]
}
REASSIGN_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Reassigned; a retry with the same key and body gets this answer again",
        "headers": {
            "Idempotency-Replayed": {
                "description": "`true` when this is the stored first answer to a retry",
                "schema": {"type": "string", "enum": ["true"]},
            }
        },
    },
    400: {"description": "Idempotency-Key missing or longer than 200 characters"},
    403: {
        "description": "Your role may not do this, you do not hold the case "
        "(`not-case-handler`), or the unit is outside your area"
    },
    404: {"description": "No routed case of that id within your jurisdiction"},
    409: {"description": "The reassignment is refused (`reassignment-refused`)"},
    422: {
        "description": "A field is invalid (errors, field by field), or the Idempotency-Key "
        "was used with another request (`idempotency-key-reused`)"
    },
}
Move = Callable[[UnitOfWork, RoutingCache, Idempotency], Awaitable[Answer]]


def _runtime(request: Request) -> RoutingRuntime:
    runtime: RoutingRuntime = request.app.state.runtime
    return runtime


def _context(request: Request) -> EventContext:
    return EventContext(correlation_id=getattr(request.state, "correlation_id", None))


@router.get("/cases/{case_id}/routing", response_model=list[AssignmentOut])
async def case_routing(
    case_id: str, request: Request, principal: Principal = Depends(READERS)
) -> list[AssignmentOut]:
    """Every routing decision for the case, oldest first, each with its reasons; 404
    when the case is not in the caller's jurisdiction."""
    async with _runtime(request).uow() as uow:
        decisions = await queries.decisions_of_case(uow.connection, case_id, principal)
    if not decisions:
        raise not_found("case routing", "案件分派记录")
    return [AssignmentOut.model_validate(d, from_attributes=True) for d in decisions]


async def _idempotency(request: Request, principal: Principal) -> Idempotency:
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IDEMPOTENCY_KEY_REQUIRED(
            "Every reassignment carries an Idempotency-Key (up to 200 characters) so that a "
            "retry is answered, not repeated.",
            "每次改派须带 Idempotency-Key（不超过 200 字符），以便重试时返回首次结果而不重复执行。",
            errors=[
                FieldError(
                    "#/header/Idempotency-Key",
                    "missing" if not key else "too-long",
                    "Required." if not key else "At most 200 characters.",
                    "此字段为必填项。" if not key else "不超过 200 字符。",
                )
            ],
        )
    return Idempotency.of(principal, key, request.method, request.url.path, await request.body())


async def _reassign(
    request: Request, principal: Principal, case_id: str, move: Move
) -> JSONResponse:
    runtime = _runtime(request)
    idempotency = await _idempotency(request, principal)
    try:
        async with runtime.uow(_context(request)) as uow:
            answer = await move(uow, runtime.state.routing_cache, idempotency)
    except KeyReused as exc:
        raise IDEMPOTENCY_KEY_REUSED(
            "This Idempotency-Key was used with another request.",
            "该 Idempotency-Key 已用于另一个请求。",
            errors=[
                FieldError(
                    "#/header/Idempotency-Key",
                    "reused",
                    "Already used with another request: use a new key for a new request.",
                    "已用于另一个请求：新的请求请使用新的 Idempotency-Key。",
                )
            ],
        ) from exc
    except handlers.CaseNotRouted as exc:
        raise not_found("routed case", "已分派案件") from exc
    except handlers.NotTheHandler as exc:
        raise NOT_CASE_HANDLER(
            "You do not hold this case: only its handler, or a centre over its area, "
            "may escalate it.",
            "您不是此案的承办人：只有承办人或所辖综治中心可以上报。",
        ) from exc
    except handlers.ReassignmentRefused as exc:
        raise REASSIGNMENT_REFUSED(exc.en, exc.zh) from exc
    except handlers.NotBelow as exc:
        raise REASSIGNMENT_REFUSED(
            f"{exc} is not under the case's current unit: 交办 hands a case down only.",
            f"{exc} 不在案件当前单位之下：交办只能向下。",
        ) from exc
    headers = dict(answer.headers)
    if answer.replayed:
        headers["Idempotency-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.post(
    "/cases/{case_id}/routing/rejection",
    status_code=status.HTTP_201_CREATED,
    response_model=Reassigned,
    responses=REASSIGN_RESPONSES,
    openapi_extra=IDEMPOTENCY_HEADER,
)
async def reject(
    case_id: str, body: RejectIn, request: Request, principal: Principal = Depends(REJECTERS)
) -> JSONResponse:
    """回退: the current handler sends the case back; it is routed again without them."""
    if (
        principal.role not in roles.OPERATORS | {roles.ADMIN}
        and body.staff_id != principal.staff_id
    ):
        raise FORBIDDEN(
            "Only you can send back your own case.",
            "只能回退本人承办的案件。",
        )
    return await _reassign(
        request,
        principal,
        case_id,
        lambda uow, cache, idem: handlers.reject_case(
            uow, cache, case_id, body.staff_id, body.reason, principal=principal, idempotency=idem
        ),
    )


@router.post(
    "/cases/{case_id}/routing/recusal",
    status_code=status.HTTP_201_CREATED,
    response_model=Reassigned,
    responses=REASSIGN_RESPONSES,
    openapi_extra=IDEMPOTENCY_HEADER,
)
async def recusal(
    case_id: str, body: RecusalIn, request: Request, principal: Principal = Depends(RECUSERS)
) -> JSONResponse:
    """A party objects to a mediator (回避): they are excluded and the case rerouted."""
    reason = f"{body.party}：{body.reason}" if body.party else body.reason
    return await _reassign(
        request,
        principal,
        case_id,
        lambda uow, cache, idem: handlers.recuse(
            uow, cache, case_id, body.staff_id, reason, principal=principal, idempotency=idem
        ),
    )


@router.post(
    "/cases/{case_id}/routing/escalation",
    status_code=status.HTTP_201_CREATED,
    response_model=Reassigned,
    responses=REASSIGN_RESPONSES,
    openapi_extra=IDEMPOTENCY_HEADER,
)
async def escalation(
    case_id: str, body: EscalateIn, request: Request, principal: Principal = Depends(ESCALATORS)
) -> JSONResponse:
    """Move the case one level up the tree (also triggered by the escalation service):
    by its handler, or by a centre over its area. 403 ``not-case-handler`` for a grid
    officer who sees the case (their grid, or they reported it) but does not hold it."""
    handler = None if principal.role in AREA_ROLES else principal.staff_id
    return await _reassign(
        request,
        principal,
        case_id,
        lambda uow, cache, idem: handlers.escalate(
            uow,
            cache,
            case_id,
            body.reason,
            principal=principal,
            idempotency=idem,
            handler=handler,
            asker=principal.staff_id,
        ),
    )


@router.post(
    "/cases/{case_id}/routing/hand-down",
    status_code=status.HTTP_201_CREATED,
    response_model=Reassigned,
    responses=REASSIGN_RESPONSES,
    openapi_extra=IDEMPOTENCY_HEADER,
)
async def hand_down(
    case_id: str, body: HandDownIn, request: Request, principal: Principal = Depends(HANDERS_DOWN)
) -> JSONResponse:
    """交办: a centre over the case's area hands it to a named unit below the case's
    current unit and inside the centre's own area; the first receiver stays on the case
    (首接负责). 403 for a unit outside the caller's area, 409 for one not below the case."""
    if not covers_unit(principal, body.to_unit_code):
        raise FORBIDDEN(
            f"{body.to_unit_code} is outside your area.",
            f"{body.to_unit_code} 不在您的辖区内。",
        )
    return await _reassign(
        request,
        principal,
        case_id,
        lambda uow, cache, idem: handlers.hand_down(
            uow,
            cache,
            case_id,
            body.to_unit_code,
            body.reason,
            principal=principal,
            idempotency=idem,
        ),
    )
