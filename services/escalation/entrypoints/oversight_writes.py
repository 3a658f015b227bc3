"""What the extension, pause and supervision routes share: the time now (the runtime's
clock), the body as a dict, and the service layer's refusals as problems."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.escalation.domain.extensions import ExtensionInvalid
from services.escalation.entrypoints.problems import OVERSIGHT_STATE_CONFLICT
from services.escalation.entrypoints.writes import WRITE_RESPONSES, answered
from services.escalation.service_layer.idempotent import Answer
from services.escalation.service_layer.refusals import NotAllowed, NotFound, WrongState
from shared.http.problems import FORBIDDEN, NOT_FOUND, FieldError, ProblemType
from shared.runtime import ServiceRuntime

OVERSIGHT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES,
    403: {"description": "Not the handler, or not an operator above the unit"},
    404: {"description": "No such case, clock, request or supervision in your jurisdiction"},
    409: {"description": "Not in a state that allows this (decided, stopped, paused…)"},
}


def runtime_of(request: Request) -> ServiceRuntime[None]:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    return runtime


def now(request: Request) -> datetime:
    return runtime_of(request).clock.now()


async def answered_with(
    work: Callable[[], Awaitable[Answer]], invalid: ProblemType
) -> JSONResponse:
    """Run a write; bad fields become ``invalid`` field by field, refusals 403/404/409."""
    try:
        return await answered(work)
    except ExtensionInvalid as exc:
        raise invalid(
            "Some fields are not valid; see errors.",
            "部分字段有误，详见 errors。",
            errors=[
                FieldError(field if field.startswith("#") else f"#/{field}", code, en, zh)
                for field, code, en, zh in exc.problems
            ],
        ) from exc
    except NotFound as exc:
        raise NOT_FOUND(exc.en, exc.zh) from exc
    except NotAllowed as exc:
        raise FORBIDDEN(exc.en, exc.zh) from exc
    except WrongState as exc:
        raise OVERSIGHT_STATE_CONFLICT(exc.en, exc.zh) from exc
