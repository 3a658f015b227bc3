"""Request ids and bounded-label HTTP metrics (route templates, never raw paths)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS


class RequestContextMiddleware:
    """Binds request and correlation ids to the log context and echoes them back.

    A client may send ``X-Correlation-ID`` (the grid officer's phone does, per batch);
    otherwise the request id is the correlation id.
    """

    def __init__(self, app: ASGIApp, service: str):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode().lower(): v.decode(errors="replace") for k, v in scope.get("headers", [])
        }
        request_id = _clean_id(headers.get("x-request-id")) or str(uuid.uuid4())
        correlation_id = _clean_id(headers.get("x-correlation-id")) or request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=correlation_id)
        scope.setdefault("state", {})
        scope["state"]["request_id"] = request_id
        scope["state"]["correlation_id"] = correlation_id
        status_holder: dict[str, Any] = {"status": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                raw = list(message.get("headers", []))
                raw.append((b"x-request-id", request_id.encode()))
                raw.append((b"x-correlation-id", correlation_id.encode()))
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(self.service, method, template, str(status_holder["status"])).inc()
            HTTP_LATENCY.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )


def _clean_id(value: str | None) -> str | None:
    """Accept a client's id only if it is short and plain, so it is safe in logs."""
    if not value or len(value) > 64:
        return None
    if all(c.isalnum() or c in "-_.:" for c in value):
        return value
    return None
