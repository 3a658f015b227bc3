"""CPU the load generator's HTTP client spends per 1,000 requests, beside httpx.

    .venv/bin/python -m bench.loadgen_bench --requests 3000 --rounds 5 --concurrency 32

Starts a trivial server in a child process (uvicorn, uvloop and httptools, serving the
ASGI app below: 201 and a small JSON answer to everything), so the server's CPU is not
counted. Then, in this process and in alternating rounds, sends the same POSTs with:

- ``gridcase.http_client.ConnectionPool`` (the client ``gridcase load`` uses);
- ``httpx.AsyncClient``, one client for the whole round, keep-alive pool of the same
  size, the body given as the same pre-rendered bytes and the answer read with
  ``.json()`` (what ``run_load`` did before);
- the new client again on uvloop instead of asyncio's default loop, for reference.

Each round is ``--concurrency`` coroutines sending back to back (closed loop) until
``--requests`` answers are in; its cost is this process's CPU time
(``time.process_time``, user and system) per 1,000 requests. Prints the medians and
the ratio, for each concurrency asked for (httpx's cost grows with concurrency).

Then it runs ``run_load`` itself with the demo workload, open loop, at ``--rates``
requests/s for ``--seconds`` each: plan drawn beforehand (``prepare=True``) and on the
clock, on asyncio's loop and on uvloop, and prints the share of one core the generator
used while the clock ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import uvloop

from gridcase.devstack.ports import free_port, wait_for_port

ANSWER = orjson.dumps({"case_id": "4b1c6f0e-0000-4000-8000-000000000000", "outcome": "created"})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The trivial server: reads the request body, answers 201 with a small JSON."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": ANSWER})


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "bench.loadgen_bench:app"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--loop", "uvloop", "--http", "httptools"),
            *("--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "60"),
        ],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    if not wait_for_port(port, timeout_s=30):
        server.kill()
        raise RuntimeError("the trivial server did not start")
    return server, f"http://127.0.0.1:{port}"


BODY = orjson.dumps(
    {
        "kind": "report",
        "category": "市容环境",
        "title": "暴露垃圾问题",
        "description": "路边有垃圾堆放，已经好几天没有清理了。附近居民反映气味很大。",
        "subcategory": "暴露垃圾",
        "location": {"lng": 109.566, "lat": 24.329},
    }
)
TOKEN = "Bearer " + "x" * 260  # about the size of a grid officer's JWT

Send = Callable[[dict[str, str]], Awaitable[str]]


async def closed_loop(send: Send, requests: int, concurrency: int) -> float:
    """CPU seconds per 1,000 requests."""
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            headers = {"Idempotency-Key": str(uuid.uuid4()), "Authorization": TOKEN}
            assert await send(headers)

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) / requests * 1000


async def with_new_client(url: str, requests: int, concurrency: int) -> float:
    from gridcase.http_client import ConnectionPool

    async with ConnectionPool(url, connections=concurrency) as pool:

        async def send(headers: dict[str, str]) -> str:
            response = await pool.post("/mobile/v1/reports", BODY, headers)
            return str(response.json()["case_id"])

        await closed_loop(send, 200, concurrency)  # connections opened, caches warm
        return await closed_loop(send, requests, concurrency)


async def with_httpx(url: str, requests: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def send(headers: dict[str, str]) -> str:
            response = await client.post(
                "/mobile/v1/reports",
                content=BODY,
                headers={**headers, "Content-Type": "application/json"},
            )
            return str(response.json()["case_id"])

        await closed_loop(send, 200, concurrency)
        return await closed_loop(send, requests, concurrency)


def compare_clients(url: str, requests: int, rounds: int, concurrency: int) -> None:
    costs: dict[str, list[float]] = {"new client": [], "httpx": [], "new client, uvloop": []}
    for n in range(rounds):
        costs["new client"].append(asyncio.run(with_new_client(url, requests, concurrency)))
        costs["httpx"].append(asyncio.run(with_httpx(url, requests, concurrency)))
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            costs["new client, uvloop"].append(
                runner.run(with_new_client(url, requests, concurrency))
            )
        print(
            f"  round {n + 1}: "
            + ", ".join(f"{name} {values[-1]:.3f} s" for name, values in costs.items()),
            flush=True,
        )
    medians = {name: statistics.median(values) for name, values in costs.items()}
    print(
        f"CPU seconds per 1,000 requests, {concurrency} concurrent "
        f"(median of {rounds} rounds of {requests}):"
    )
    for name, median in medians.items():
        spread = f"{min(costs[name]):.3f}-{max(costs[name]):.3f}"
        print(f"  {name:<20} {median:.3f} s  (range {spread})")
    print(f"  httpx / new client   {medians['httpx'] / medians['new client']:.1f}x\n", flush=True)


async def offered_load(url: str, rate: float, seconds: float, prepare: bool) -> str:
    from gridcase.load import LoadResult, Mix, Territory, Workload, run_load

    workload = Workload(Territory.demo(), Mix(), "a-bench-secret-that-is-long-enough-for-hs256")
    clock: dict[str, float] = {"cpu": time.process_time()}

    def prepared(drawn: int, to_draw: int) -> None:
        if drawn == to_draw:
            clock["cpu"] = time.process_time()  # the timed window starts now

    result: LoadResult = await run_load(
        url, workload, rate=rate, duration_s=seconds, prepare=prepare, on_prepare=prepared
    )
    cpu = time.process_time() - clock["cpu"]
    return (
        f"{len(result.accepted)}/{result.planned} accepted in {result.elapsed_s:.1f} s, "
        f"{cpu / result.elapsed_s:.0%} of a core, "
        f"{cpu / max(1, result.planned) * 1000:.3f} CPU s per 1,000"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--rates", type=float, nargs="*", default=[500.0, 1000.0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per run_load run")
    args = parser.parse_args()
    server, url = start_server()
    try:
        for concurrency in args.concurrency:
            compare_clients(url, args.requests, args.rounds, concurrency)
        if args.rates:
            print("run_load, default mix, this process's CPU while the clock ran:")
        for rate in args.rates:
            for loop, prepare in (("asyncio", True), ("asyncio", False), ("uvloop", True)):
                factory = uvloop.new_event_loop if loop == "uvloop" else None
                with asyncio.Runner(loop_factory=factory) as runner:
                    outcome = runner.run(offered_load(url, rate, args.seconds, prepare))
                drawn = "beforehand" if prepare else "on the clock"
                print(f"  {rate:>5.0f}/s, {loop}, plan drawn {drawn}: {outcome}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
