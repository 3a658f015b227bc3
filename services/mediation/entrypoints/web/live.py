"""Server-sent events for the live dashboard: a case newly assigned to me.

The stream ends after ``STREAM_LIFETIME_S`` (the browser reconnects at once, and the
reconnection re-checks the session, refreshing it if needed), and sends a comment every
``HEARTBEAT_S`` so proxies keep it open and a closed tab is noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from services.mediation.adapters import dashboard_queries as queries
from services.mediation.adapters.assignment_notices import AssignmentListener
from services.mediation.entrypoints.web.pages import runtime_of, signed_in, with_renewed_tokens
from services.mediation.entrypoints.web.rendering import gettext_for
from shared.auth.policy import PUBLIC

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

HEARTBEAT_S = 15.0
STREAM_LIFETIME_S = 600.0
RETRY_MS = 2000


def listener(request: Request) -> AssignmentListener:
    return runtime_of(request).state.assignment_listener


def _event(name: str, data: str, event_id: str = "") -> str:
    lines = [f"event: {name}"] + ([f"id: {event_id}"] if event_id else [])
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


@router.get("/live")
async def live(request: Request) -> Response:
    session = await signed_in(request)
    if isinstance(session, Response):
        # 204 tells the browser's EventSource to stop retrying; the next page load
        # shows the sign-in form with its message.
        return Response(status_code=204)
    principal = session.principal
    _ = gettext_for(request)
    runtime = runtime_of(request)
    notices = listener(request)

    async def stream() -> AsyncIterator[str]:
        ends = time.monotonic() + STREAM_LIFETIME_S
        async with notices.subscribe() as queue:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(notices.listening.wait(), 5.0)
            yield f"retry: {RETRY_MS}\n\n"
            while (left := ends - time.monotonic()) > 0:
                if await request.is_disconnected():
                    return
                try:
                    notice = await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if notice.assignee_id != principal.staff_id:
                    continue
                async with runtime.uow() as uow:
                    case = await queries.get_case(uow.connection, principal, notice.case_id)
                if case is None:
                    continue
                text = _("New case assigned to you: %(number)s %(title)s") % {
                    "number": case.case_number or case.case_id,
                    "title": case.title or "",
                }
                yield _event("case-assigned", text, case.case_id)

    response = StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    return with_renewed_tokens(request, session, response)
