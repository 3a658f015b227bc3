"""Security headers: on every answer, and a strict Content-Security-Policy on HTML pages.

Every answer: ``X-Content-Type-Options: nosniff`` (a browser never guesses a type, so an
uploaded file or a JSON answer is never run as a script) and ``Referrer-Policy:
no-referrer`` (case URLs never leak to other sites). HTML pages also get
``X-Frame-Options: DENY`` and a CSP with ``frame-ancestors 'none'`` (no clickjacking)
and no inline script: scripts and styles come from the service itself. A page that
talks to another origin (the dashboard signs in at routing) sets its own CSP with
``content_security_policy(connect=…)``, which the middleware then leaves alone.
FastAPI's /docs and /redoc (development only, see ``GRIDCASE_API_DOCS``) load Swagger UI
and ReDoc from their CDN with inline script, and get a policy that allows exactly that.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_CDN = "https://cdn.jsdelivr.net"
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def content_security_policy(connect: Iterable[str] = ()) -> str:
    """The policy for GridCase's own pages: everything from the service itself."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src " + " ".join(["'self'", *connect]),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {DOCS_CDN}",
        f"style-src 'self' 'unsafe-inline' {DOCS_CDN}",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.default_policy = content_security_policy().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in ALWAYS if h[0] not in names)
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    if b"content-security-policy" not in names:
                        policy = DOCS_POLICY.encode() if docs else self.default_policy
                        headers.append((b"content-security-policy", policy))
                    if b"x-frame-options" not in names:
                        headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
