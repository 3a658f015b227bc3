"""Server-sent events for the live dashboard: a case newly assigned to me, and, on a
case page (``/live?case=<id>``), who else is viewing that case (``viewers``: the
fragment the page swaps into its ``role="status"`` region).

The stream ends after ``STREAM_LIFETIME_S`` (the browser reconnects at once, and the
reconnection re-checks the session, refreshing it if needed), and sends a comment every
``HEARTBEAT_S`` so proxies keep it open and a closed tab is noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from services.mediation.adapters import dashboard_queries as queries
from services.mediation.adapters.assignment_notices import (
    AssignmentListener,
    AssignmentNotice,
    PresenceNotice,
)
from services.mediation.adapters.presence import Viewer
from services.mediation.entrypoints.web.pages import runtime_of, signed_in, with_renewed_tokens
from services.mediation.entrypoints.web.rendering import environment, gettext_for, request_language
from services.mediation.service_layer import presence
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
async def live(request: Request, case: str = "") -> Response:
    session = await signed_in(request)
    if isinstance(session, Response):
        # 204 tells the browser's EventSource to stop retrying; the next page load
        # shows the sign-in form with its message.
        return Response(status_code=204)
    principal = session.principal
    _ = gettext_for(request)
    runtime = runtime_of(request)
    notices = listener(request)
    viewing: str | None = None
    if case:
        async with runtime.uow() as uow:
            if await queries.case_header(uow.connection, principal, case[:100]) is not None:
                viewing = case[:100]
    me = Viewer(uuid.uuid4().hex, principal.staff_id, principal.role)
    fragment = environment(request_language(request)).get_template("_viewers.html")

    async def others() -> str:
        assert viewing is not None
        async with runtime.uow() as uow:
            everyone = await presence.viewers_of(uow, viewing)
        seen: dict[str, Viewer] = {}
        for viewer in everyone:
            if viewer.staff_id != me.staff_id:
                seen.setdefault(viewer.staff_id, viewer)
        return fragment.render(viewers=list(seen.values()))

    async def stream() -> AsyncIterator[str]:
        ends = time.monotonic() + STREAM_LIFETIME_S
        async with notices.subscribe() as queue:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(notices.listening.wait(), 5.0)
            yield f"retry: {RETRY_MS}\n\n"
            if viewing is not None:
                async with runtime.uow() as uow:
                    await presence.join_case(uow, viewing, me)
                yield _event("viewers", await others())
            try:
                while (left := ends - time.monotonic()) > 0:
                    if await request.is_disconnected():
                        return
                    try:
                        notice = await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))
                    except TimeoutError:
                        if viewing is not None:
                            async with runtime.uow() as uow:
                                await presence.still_viewing(uow, me.view_id)
                        yield ": keep-alive\n\n"
                        continue
                    if isinstance(notice, PresenceNotice):
                        if notice.case_id == viewing:
                            yield _event("viewers", await others())
                        continue
                    if not isinstance(notice, AssignmentNotice):
                        continue
                    if notice.assignee_id != principal.staff_id:
                        continue
                    async with runtime.uow() as uow:
                        found = await queries.get_case(uow.connection, principal, notice.case_id)
                    if found is None:
                        continue
                    text = _("New case assigned to you: %(number)s %(title)s") % {
                        "number": found.case_number or found.case_id,
                        "title": found.title or "",
                    }
                    yield _event("case-assigned", text, found.case_id)
            finally:
                if viewing is not None:
                    # Shielded: the stream is being cancelled when the browser goes away.
                    await asyncio.shield(_leave(runtime, viewing, me.view_id))

    response = StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    return with_renewed_tokens(request, session, response)


async def _leave(runtime: Any, case_id: str, view_id: str) -> None:
    with contextlib.suppress(Exception):  # the row goes stale on its own if this fails
        async with runtime.uow() as uow:
            await presence.leave_case(uow, case_id, view_id)
