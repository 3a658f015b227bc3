"""Writes an audit row for every call made with a token, and for anonymous calls to
routes whose policy asks for it (public submissions).

It runs after the route answered, in its own short transaction, so an audit write
never changes the answer; a failure to write is logged loudly. Records that must
commit with the change itself (a full view of personal data, a login) are written by
the handler inside its own unit of work instead.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.audit import AuditEntry
from shared.http.client_address import client_address
from shared.logging import get_logger
from shared.messaging.errors import describe_error

log = get_logger(__name__)


def _object(scope: Scope) -> str:
    params: dict[str, Any] = scope.get("path_params") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"


class AuditMiddleware:
    def __init__(self, app: ASGIApp, runtime: Any):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            state = scope.get("state") or {}
            principal = state.get("principal")
            access = state.get("access")
            if principal is not None or (access is not None and access.audit):
                await self._record(scope, principal, status["code"])

    async def _record(self, scope: Scope, principal: Any, status: int) -> None:
        route = scope.get("route")
        entry = AuditEntry(
            actor=principal.staff_id if principal else "anonymous",
            role=principal.role if principal else "resident",
            action=f"{scope.get('method', 'GET')} {getattr(route, 'path', scope.get('path'))}",
            object=_object(scope),
            source=client_address(scope, self.runtime.settings.trusted_proxies),
            result=str(status),
        )
        try:
            await self.runtime.audit(entry)
        except Exception as exc:
            log.error("audit_write_failed", action=entry.action, error=describe_error(exc))
