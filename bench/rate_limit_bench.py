"""Cost of a rate-limit check shared across processes (PostgreSQL counters) against the
per-process in-memory token bucket it replaced, in the same run.

    python -m bench.rate_limit_bench [--checks 4000] [--rounds 5] [--concurrency 64]

Three ways to check, each for ``--checks`` checks over 1,000 client addresses:

- in-memory: the old token bucket (one dict per process; not shared);
- shared, one at a time: each check waits for its counter statement (the latency a
  lone request pays);
- shared under load: ``--concurrency`` checks in flight, as when intake is busy; the
  limiter bumps all gathered keys in one statement (``SharedRateLimiter``);
- one statement per check under the same load, without gathering (what batching saves;
  the statements take turns on the limiter's connection).

Prints medians over ``--rounds`` and writes bench/results/rate_limit-<time>.{json,md}.
Uses ``GRIDCASE_DATABASE_URL``'s server (a scratch database, dropped at the end), or
starts the local one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from gridcase.devstack.stack import Infrastructure
from gridcase.services import migrate_all
from shared.db.engine import create_engine, plain_url
from shared.db.rate_limits import RateLimitCounters
from shared.http.ratelimit import SharedRateLimiter
from shared.settings import GridcaseSettings

RESULTS = Path(__file__).parent / "results"
CLIENTS = [f"198.51.{i // 250}.{i % 250}" for i in range(1000)]


class InMemoryTokenBucket:
    """The limiter intake and routing used before: a token bucket per address, in the
    process's memory (the baseline)."""

    def __init__(self, per_minute: int, max_clients: int = 10_000):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> float:
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[client] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


class CountingCounters(RateLimitCounters):
    """The real counters, counting the statements sent."""

    statements = 0

    async def bump(self, window_start: int, counts: dict[str, int]) -> dict[str, int]:
        self.statements += 1
        return await super().bump(window_start, counts)


def _keys(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(CLIENTS) for _ in range(n)]


def in_memory(keys: list[str]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) per check."""
    bucket = InMemoryTokenBucket(10**9)
    start, cpu = time.perf_counter(), time.process_time()
    for key in keys:
        bucket.allow(key)
    return (time.perf_counter() - start) / len(keys), (time.process_time() - cpu) / len(keys)


async def one_at_a_time(limiter: SharedRateLimiter, keys: list[str]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for key in keys:
        await limiter.allow(key)
    return (time.perf_counter() - start) / len(keys), (time.process_time() - cpu) / len(keys)


async def under_load(check: Any, keys: list[str], concurrency: int) -> tuple[float, float]:
    """(wall, CPU) seconds per check with ``concurrency`` checks in flight (closed loop)."""
    queue = list(reversed(keys))

    async def worker() -> None:
        while queue:
            await check(queue.pop())

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.perf_counter() - start) / len(keys), (time.process_time() - cpu) / len(keys)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = plain_url(os.environ["GRIDCASE_DATABASE_URL"]).rsplit("/", 1)[0]
    name = "bench_ratelimit_" + uuid.uuid4().hex[:8]
    admin = await asyncpg.connect(server + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    settings = GridcaseSettings(database_url=url, kafka_bootstrap_servers="127.0.0.1:9")
    await asyncio.to_thread(migrate_all, settings)
    engine = create_engine(url)
    try:
        counters = CountingCounters(lambda: engine, "intake")
        rows: dict[str, list[tuple[float, float]]] = {
            k: [] for k in ("memory", "one", "load", "naive")
        }
        statements_per_check: list[float] = []
        window = int(time.time() // 60)
        for r in range(args.rounds):
            keys = _keys(args.checks, r)
            rows["memory"].append(in_memory(keys))
            limiter = SharedRateLimiter(counters, 10**9, name=f"one{r}")
            rows["one"].append(await one_at_a_time(limiter, keys[: args.checks // 4]))
            limiter = SharedRateLimiter(counters, 10**9, name=f"load{r}")
            before = counters.statements
            rows["load"].append(await under_load(limiter.allow, keys, args.concurrency))
            statements_per_check.append((counters.statements - before) / len(keys))

            async def naive(key: str, r: int = r) -> None:
                await counters.bump(window, {f"naive{r}:{key}": 1})

            rows["naive"].append(await under_load(naive, keys, args.concurrency))
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    medians = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in rows.items()}
    return {
        "checks": args.checks,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "median_us_per_check": {k: v * 1e6 for k, v in medians.items()},
        "median_cpu_us_per_check": {k: v * 1e6 for k, v in cpu.items()},
        "checks_per_s": {k: 1 / v for k, v in medians.items()},
        "ratio_to_memory": {k: v / medians["memory"] for k, v in medians.items()},
        "statements_per_check_under_load": statistics.median(statements_per_check),
    }


def render(result: dict[str, Any]) -> str:
    labels = {
        "memory": "in-memory token bucket (baseline, per process)",
        "one": "shared, one check at a time",
        "load": f"shared, {result['concurrency']} in flight (gathered statements)",
        "naive": f"one statement per check, {result['concurrency']} in flight, no gathering",
    }
    lines = [
        f"# Rate-limit check cost ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"median of {result['rounds']} rounds, {result['checks']:,} checks)",
        "",
        "| limiter | µs per check | client CPU µs per check | checks/s | × in-memory |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in labels.items():
        lines.append(
            f"| {label} | {result['median_us_per_check'][key]:,.1f} | "
            f"{result['median_cpu_us_per_check'][key]:,.1f} | "
            f"{result['checks_per_s'][key]:,.0f} | {result['ratio_to_memory'][key]:,.0f} |"
        )
    lines += [
        "",
        f"Statements per check under load: {result['statements_per_check_under_load']:.3f}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    if not os.environ.get("GRIDCASE_DATABASE_URL"):
        os.environ.update(Infrastructure(Path(".gridcase").resolve()).up())
    result = asyncio.run(run(args))
    text = render(result)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"rate_limit-{stamp}.json").write_text(json.dumps(result, indent=1))
    (RESULTS / f"rate_limit-{stamp}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
