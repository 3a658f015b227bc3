"""The load generator's HTTP client against a small HTTP server started by the test.

No PostgreSQL or Kafka: the server is a few lines of asyncio that records what it was
sent and answers as each test tells it to.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson
import pytest

from gridcase.devstack.ports import free_port
from gridcase.http_client import ConnectionPool, TransportError
from gridcase.load import PlannedRequest, prepare_plan, run_load


@dataclass
class Received:
    connection: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    close: bool = False  # answer with Connection: close, then close
    raw: bytes | None = None  # sent as is instead of an HTTP response
    silent: bool = False  # never answer


Handler = Callable[[Received], Answer]


@dataclass
class Server:
    url: str
    handler: Handler
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = self.connections
        self.writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
                method, path, _ = request_line.split(" ")
                headers = dict(line.split(": ", 1) for line in lines)
                body = await reader.readexactly(int(headers.get("Content-Length", "0")))
                received = Received(connection, method, path, headers, body)
                self.received.append(received)
                answer = self.handler(received)
                if answer.silent:
                    continue
                if answer.raw is not None:
                    writer.write(answer.raw)
                    continue
                close = "Connection: close\r\n" if answer.close else ""
                writer.write(
                    f"HTTP/1.1 {answer.status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer.body)}\r\n{close}\r\n".encode()
                    + answer.body
                )
                await writer.drain()
                if answer.close:
                    return
        finally:
            writer.close()

    def close_connections(self) -> None:
        for writer in self.writers:
            writer.close()


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[Server]:
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", handler)
    listener = await asyncio.start_server(server.serve, "127.0.0.1", port)
    try:
        yield server
    finally:
        server.close_connections()
        listener.close()
        await listener.wait_closed()


def ok(_: Received) -> Answer:
    return Answer()


class Reports:
    """A request source like Workload, without Faker: numbered officers' reports."""

    def __init__(self) -> None:
        self.drawn = 0

    def next(self) -> PlannedRequest:
        self.drawn += 1
        return PlannedRequest(
            "officer",
            "/mobile/v1/reports",
            {"title": "暴露垃圾问题", "n": self.drawn},
            {"Idempotency-Key": str(uuid.uuid4()), "Authorization": "Bearer t"},
        )


def created(received: Received) -> Answer:
    case = "case-" + received.headers["Idempotency-Key"][:8]
    return Answer(201, orjson.dumps({"case_id": case, "outcome": "created"}))


async def test_connections_are_kept_alive_and_reused() -> None:
    async with serving(ok) as server, ConnectionPool(server.url, connections=4) as pool:
        answers = await asyncio.gather(
            *(pool.post("/x", b'{"n": 1}', {"Idempotency-Key": str(n)}) for n in range(40))
        )
        assert [a.status_code for a in answers] == [200] * 40
        for _ in range(10):
            assert (await pool.get("/y")).status_code == 200
        assert len(server.received) == 50
        assert server.connections == pool.connects <= 4
        request = server.received[0]
        assert (request.method, request.path, request.body) == ("POST", "/x", b'{"n": 1}')
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Host"] == server.url.removeprefix("http://")


async def test_the_answer_is_parsed_as_json() -> None:
    answer = {"case_id": "c-1", "outcome": "linked", "note": "已受理"}
    async with (
        serving(lambda _: Answer(201, orjson.dumps(answer))) as server,
        ConnectionPool(server.url) as pool,
    ):
        response = await pool.post("/reports", b"{}", {})
        assert response.status_code == 201
        assert response.json() == answer


async def test_a_closed_connection_is_replaced() -> None:
    closing = {"n": 0}

    def close_every_other(_: Received) -> Answer:
        closing["n"] += 1
        return Answer(close=closing["n"] % 2 == 1)

    async with serving(close_every_other) as server, ConnectionPool(server.url) as pool:
        for _ in range(4):  # Connection: close after answers 1 and 3
            assert (await pool.get("/")).status_code == 200
        assert [r.connection for r in server.received] == [1, 2, 2, 3]
        server.close_connections()  # the server drops an idle keep-alive connection
        await asyncio.sleep(0.05)
        assert (await pool.get("/")).status_code == 200
        assert server.connections == pool.connects == 4


async def test_no_answer_and_a_malformed_answer_are_transport_errors() -> None:
    def hang_or_garble(received: Received) -> Answer:
        return Answer(silent=True) if received.path == "/hang" else Answer(raw=b"nonsense\r\n")

    async with (
        serving(hang_or_garble) as server,
        ConnectionPool(server.url, timeout=0.2) as pool,
    ):
        started = time.perf_counter()
        with pytest.raises(TransportError, match="no answer"):
            await pool.get("/hang")
        assert time.perf_counter() - started < 1
        with pytest.raises(TransportError, match="malformed"):
            await pool.get("/garbage")
        assert pool.connects == 2  # neither connection was used again


async def test_refused_connections_are_transport_errors() -> None:
    async with ConnectionPool(f"http://127.0.0.1:{free_port()}") as pool:
        with pytest.raises(TransportError, match="cannot connect"):
            await pool.get("/")


async def test_run_load_counts_accepted_and_refused_from_the_json_answers() -> None:
    def refuse_some(received: Received) -> Answer:
        if orjson.loads(received.body)["n"] % 4 == 0:
            return Answer(422, b'{"detail": "no"}')
        return created(received)

    async with serving(refuse_some) as server:
        progress: list[int] = []
        result = await run_load(
            server.url,
            Reports(),
            rate=100,
            duration_s=0.2,
            connections=3,
            on_progress=lambda r, _: progress.append(len(r.accepted)),
        )
    assert result.planned == 20
    assert result.refused == Counter({"officer 422": 5})
    assert len(result.accepted) == 15 and result.retried == result.gave_up == 0
    for accepted in result.accepted:
        assert accepted.case_id == "case-" + accepted.idempotency_key[:8]
        assert (accepted.kind, accepted.outcome, accepted.attempts) == ("officer", "created", 1)
    assert progress[-1] == 15
    assert server.connections <= 3


async def test_a_5xx_is_sent_again_with_the_same_idempotency_key() -> None:
    seen: Counter[str] = Counter()

    def unavailable_first(received: Received) -> Answer:
        key = received.headers["Idempotency-Key"]
        seen[key] += 1
        return Answer(503, b'{"detail": "restarting"}') if seen[key] == 1 else created(received)

    async with serving(unavailable_first) as server:
        result = await run_load(server.url, Reports(), rate=50, duration_s=0.2)
    assert result.planned == 10 and result.retried == 10 and result.gave_up == 0
    assert len(result.accepted) == 10
    assert {a.attempts for a in result.accepted} == {2}
    assert set(seen.values()) == {2}
    assert {a.idempotency_key for a in result.accepted} == set(seen)
    bodies: dict[str, set[bytes]] = {}
    for received in server.received:
        bodies.setdefault(received.headers["Idempotency-Key"], set()).add(received.body)
    assert all(len(b) == 1 for b in bodies.values())  # the same request, byte for byte


async def test_refused_connections_are_retried_then_given_up() -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    result = await run_load(nobody, Reports(), rate=10, duration_s=0.2, retry_for_s=0.6)
    # Attempts at 0, 0.25 and 0.75 s: two retries each, then past the 0.6 s deadline.
    assert result.planned == 2
    assert result.retried == 4
    assert result.gave_up == 2
    assert not result.accepted and not result.refused
    assert time.perf_counter() - started < 2


async def test_the_plan_can_be_drawn_before_the_clock_starts() -> None:
    source = Reports()
    plan = await prepare_plan(source, 600)
    assert len(plan) == 600 and source.drawn == 600
    assert orjson.loads(plan[0].body) == {"title": "暴露垃圾问题", "n": 1}

    drawn: list[tuple[int, int]] = []
    async with serving(created) as server:
        source = Reports()
        result = await run_load(
            server.url,
            source,
            rate=100,
            duration_s=0.3,
            prepare=True,
            on_prepare=lambda n, of: drawn.append((n, of)),
        )
    assert drawn == [(30, 30)] and source.drawn == 30
    assert len(result.accepted) == 30
    assert [orjson.loads(r.body)["n"] for r in server.received] == list(range(1, 31))


async def test_a_stop_during_preparation_sends_nothing_more() -> None:
    stop = asyncio.Event()
    stop.set()
    result = await run_load(
        "http://127.0.0.1:1", Reports(), rate=1000, duration_s=10, prepare=True, stop=stop
    )
    assert result.planned == 0 and not result.accepted
