"""A small keep-alive HTTP/1.1 client for the load generator.

Why not httpx: ``gridcase load`` runs on the same two cores as the system it measures,
so every CPU second it spends is taken from intake. httpx.AsyncClient costs 1.3 ms of
CPU per request sent one at a time, and about 3 ms with 32 in flight (its request and
response models, header normalisation, the httpcore pool and its locks): more than a
core at 500 requests/s, so the generator could not offer the load it was asked for.
This client does only what the load generator needs and costs 0.04-0.15 ms per request
(``python -m bench.loadgen_bench`` measures both side by side):

- a pool of up to ``connections`` persistent TCP connections, opened lazily and reused
  (HTTP/1.1 keep-alive), one request at a time on each (no pipelining);
- requests written as one pre-rendered ``bytes`` buffer;
- responses parsed by ``httptools`` (llhttp, the parser uvicorn uses), bodies framed by
  Content-Length (chunked works too, the parser handles it); JSON read with orjson;
- a connection that fails, times out, is closed by the server or answers
  ``Connection: close`` is dropped, and the next request opens a new one.

Any failure to get an answer is a :class:`TransportError`; whether to send again is the
caller's decision (``run_load`` does, with the same Idempotency-Key).
Plain ``http://`` only: the load generator talks to services on loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import httptools
import orjson


class TransportError(Exception):
    """No answer: refused, reset or closed connection, timeout, or a malformed response.
    The request may or may not have reached the server."""


@dataclass(frozen=True, slots=True)
class Response:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


class _Connection(asyncio.Protocol):
    """One TCP connection carrying one request at a time.

    ``reusable`` is true while the connection is open, idle, and the last answer allowed
    keep-alive; the pool hands out only reusable connections.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # httptools calls only the callbacks this object defines: on_body and
        # on_message_complete; headers are not needed (status and keep-alive come from
        # the parser itself).
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[Response] | None = None
        self._body: list[bytes] = []
        self.reusable = False

    async def request(self, data: bytes, timeout: float) -> Response:
        assert self._transport is not None and self.reusable
        self.reusable = False
        self._body = []
        answer: asyncio.Future[Response] = self._loop.create_future()
        self._answer = answer
        timer = self._loop.call_later(timeout, self._fail, f"no answer within {timeout:g} s")
        self._transport.write(data)
        try:
            return await answer
        except asyncio.CancelledError:
            self.close()  # an answer may still arrive: the connection is not reusable
            raise
        finally:
            timer.cancel()
            self._answer = None

    def close(self) -> None:
        self.reusable = False
        if self._transport is not None:
            self._transport.close()

    def _fail(self, reason: str) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(TransportError(reason))
        self.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.reusable = True

    def data_received(self, data: bytes) -> None:
        if self._answer is None:
            self._fail("data from the server while no request was outstanding")
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"malformed response: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(f"connection lost: {exc}" if exc else "connection closed by the server")

    # httptools callbacks

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        answer = self._answer
        if answer is None or answer.done():  # timed out already
            self.close()
            return
        if self._parser.should_keep_alive():
            self.reusable = True
        else:
            self.close()
        answer.set_result(Response(self._parser.get_status_code(), b"".join(self._body)))


class ConnectionPool:
    """Up to ``connections`` keep-alive connections to one ``http://host:port``.

    ``timeout`` bounds each step: waiting for a free connection, connecting, and waiting
    for the answer once the request is written.
    """

    def __init__(self, base_url: str, *, connections: int = 64, timeout: float = 30.0) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"only http://host[:port] URLs are supported, not {base_url!r}")
        self._host = url.hostname
        self._port = url.port or 80
        self._host_header = url.netloc
        self._prefix = url.path.rstrip("/")
        self._timeout = timeout
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[_Connection] = []  # a stack: the most recently used goes first
        self._open: set[_Connection] = set()
        self.connects = 0  # connections opened so far

    async def __aenter__(self) -> ConnectionPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in self._open:
            connection.close()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports finish closing

    def render(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> bytes:
        """The whole request as it goes on the wire."""
        lines = [
            f"{method} {self._prefix}{path} HTTP/1.1",
            f"Host: {self._host_header}",
        ]
        if body:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        for name, value in (headers or {}).items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"line break in the value of header {name}")
            lines.append(f"{name}: {value}")
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1") + body

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        """POST a JSON body that is already rendered to bytes."""
        return await self.send(self.render("POST", path, body, headers))

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return await self.send(self.render("GET", path, headers=headers))

    async def send(self, request: bytes) -> Response:
        """Send a rendered request on a free connection and wait for the answer."""
        if self._slots.locked():
            try:
                async with asyncio.timeout(self._timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise TransportError(f"no free connection within {self._timeout:g} s") from None
        else:
            await self._slots.acquire()
        try:
            connection = await self._checkout()
            try:
                return await connection.request(request, self._timeout)
            finally:
                if connection.reusable:
                    self._idle.append(connection)
                else:
                    connection.close()
                    self._open.discard(connection)
        finally:
            self._slots.release()

    async def _checkout(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable:
                return connection
            self._open.discard(connection)  # the server closed it while it was idle
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), self._host, self._port
                )
        except (OSError, TimeoutError) as exc:
            raise TransportError(f"cannot connect to {self._host}:{self._port}: {exc}") from exc
        self.connects += 1
        self._open.add(connection)
        return connection
