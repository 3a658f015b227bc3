"""Refuse hostile request bodies before any route sees them.

- Bodies over a size limit get 413, whether or not they declare a Content-Length.
- JSON bodies nested deeper than a limit get 400: Python's parser would otherwise
  recurse until it fails with a 500.
- JSON bodies that are not valid UTF-8, and NUL characters in the path or query
  string, get 400.

Limits can differ per path prefix (uploads need more room than JSON).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import PROBLEM_JSON


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a linear scan)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class BodyGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = 256 * 1024,
        max_json_depth: int = 32,
        limits_by_prefix: dict[str, int] | None = None,
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_depth = max_json_depth
        self.limits_by_prefix = limits_by_prefix or {}

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.limits_by_prefix.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            # PostgreSQL text cannot hold NUL: refuse it before any route binds it.
            await _refuse(send, 400, "NUL characters are not allowed.", "不允许包含空字符。")
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        limit = self._limit_for(scope.get("path", ""))
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await _refuse(send, 400, "Bad Content-Length.", "Content-Length 无效。")
                return
            if too_big:
                await _refuse(send, 413, *_too_large(limit))
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, *_too_large(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get("content-type", b"").decode("latin-1").lower()
        if "json" in content_type and body:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                await _refuse(
                    send, 400, "The body is not valid UTF-8.", "请求体不是有效的 UTF-8 编码。"
                )
                return
            if json_depth_exceeds(body, self.max_json_depth):
                await _refuse(
                    send,
                    400,
                    f"JSON nested deeper than {self.max_json_depth} levels.",
                    f"JSON 嵌套超过 {self.max_json_depth} 层。",
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _too_large(limit: int) -> tuple[str, str]:
    return (
        f"The request body is larger than {limit} bytes.",
        f"请求体超过 {limit} 字节。",
    )


async def _refuse(send: Send, status: int, en: str, zh: str) -> None:
    """A minimal problem document; the middleware runs before language negotiation."""
    import orjson

    body = orjson.dumps(
        {
            "type": f"https://gridcase.cn/problems/http-{status}",
            "title": "Request refused / 请求被拒绝",
            "status": status,
            "detail": f"{en} / {zh}",
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
