"""Sustained accepted reports/s and latency of intake, beside a raw asyncpg baseline.

    .venv/bin/python -m bench.intake_bench --seconds 15 --concurrency 32 --workers 1 2
    .venv/bin/python -m bench.intake_bench --profile   # adds a pyinstrument profile

Uses the servers named by GRIDCASE_TEST_DATABASE_URL / GRIDCASE_TEST_KAFKA_BOOTSTRAP_SERVERS
(or starts its own), creates a fresh database, migrates intake, seeds its registry
mirror, and then, for the same duration and the same number of concurrent clients:

1. baseline: raw asyncpg, one transaction per report inserting the same two rows intake
   writes (the submission and its outbox event) — the floor of the database work;
2. intake: real uvicorn processes (1 and/or 2 workers, outbox relay publishing to Kafka),
   closed-loop POST /reports with a fresh Idempotency-Key each, random categories and
   points (WGS84 and GCJ-02) over the district, so duplicate detection and the
   serving-area check run as in production.

Reports accepted per second (201 created or 200 linked), median and p99 latency, the
ratio to the baseline, and, with --profile, where a worker's time goes. Results go to
bench/results/intake-<time>.json (and intake-profile-<time>.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson

from gridcase.devstack.ports import free_port, wait_for_port
from services.intake.bootstrap import MIGRATIONS
from services.intake.domain.coordinates import wgs84_to_gcj02
from shared.auth.tokens import mint_token
from shared.db.migrations import upgrade
from shared.settings import GridcaseSettings
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"
CATEGORIES = ["市容环境", "宣传广告", "施工管理", "突发事件", "街面秩序", "其他"]
DISTRICT_WEST, DISTRICT_SOUTH, DISTRICT_SIZE = 111.46, 24.31, 0.21


@dataclass
class Run:
    name: str
    accepted: int
    failed: int
    seconds: float
    per_second: float
    median_ms: float
    p99_ms: float


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarise(name: str, latencies: list[float], failed: int, seconds: float) -> Run:
    return Run(
        name=name,
        accepted=len(latencies),
        failed=failed,
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds, 1),
        median_ms=round(percentile(latencies, 50) * 1000, 2),
        p99_ms=round(percentile(latencies, 99) * 1000, 2),
    )


def random_report(n: int) -> dict[str, object]:
    lng = DISTRICT_WEST + random.uniform(0.001, DISTRICT_SIZE - 0.001)
    lat = DISTRICT_SOUTH + random.uniform(0.001, DISTRICT_SIZE - 0.001)
    location: dict[str, object] = {"lng": lng, "lat": lat, "crs": "WGS84"}
    if n % 2:
        glng, glat = wgs84_to_gcj02(lng, lat)
        location = {"lng": glng, "lat": glat, "crs": "GCJ-02"}
    return {
        "category": random.choice(CATEGORIES),
        "title": f"压测报告{n}",
        "description": "基准测试：路边垃圾堆放，影响通行",
        "location": location,
    }


async def seed_mirror(url: str) -> None:
    """The demo district's boundary in intake's mirror, so the area check really runs."""
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [DISTRICT_WEST, DISTRICT_SOUTH],
                [DISTRICT_WEST + DISTRICT_SIZE, DISTRICT_SOUTH],
                [DISTRICT_WEST + DISTRICT_SIZE, DISTRICT_SOUTH + DISTRICT_SIZE],
                [DISTRICT_WEST, DISTRICT_SOUTH + DISTRICT_SIZE],
                [DISTRICT_WEST, DISTRICT_SOUTH],
            ]
        ],
    }
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO intake.registry_units (code, name, level, parent_code, boundary,"
            " changed_at) VALUES ('451102', '八步区', 'district', NULL, $1::jsonb, now())",
            orjson.dumps(square).decode(),
        )
    finally:
        await conn.close()


async def baseline(url: str, seconds: float, concurrency: int) -> Run:
    """Raw asyncpg: the submission row and its outbox row in one transaction per report."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    await pool.execute(
        "CREATE TABLE bench_submissions (case_id text primary key, case_number text, "
        "body jsonb not null, submitted_at timestamptz default now());"
        "CREATE TABLE bench_outbox (id bigserial primary key, event_id text unique, "
        "envelope jsonb not null, sent_at timestamptz)"
    )
    latencies: list[float] = []
    failed = 0
    deadline = time.perf_counter() + seconds

    async def client(worker: int) -> None:
        nonlocal failed
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            body = orjson.dumps(random_report(n)).decode()
            case_id = str(uuid.uuid4())
            t0 = time.perf_counter()
            try:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        "INSERT INTO bench_submissions (case_id, case_number, body) "
                        "VALUES ($1, $2, $3::jsonb)",
                        case_id,
                        f"GC{worker}-{n}",
                        body,
                    )
                    await conn.execute(
                        "INSERT INTO bench_outbox (event_id, envelope) VALUES ($1, $2::jsonb)",
                        str(uuid.uuid4()),
                        body,
                    )
                latencies.append(time.perf_counter() - t0)
            except Exception:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return summarise("asyncpg baseline", latencies, failed, elapsed)


def start_intake(
    url: str, bootstrap: str, port: int, workers: int, profile_to: Path | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "GRIDCASE_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "GRIDCASE_LOG_LEVEL": "WARNING",
        "GRIDCASE_INTAKE_ATTACHMENTS_DIR": str(RESULTS / "attachments"),
    }
    uvicorn = [
        "-m",
        "uvicorn",
        "--factory",
        "services.intake.bootstrap:app_factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--no-proxy-headers",
    ]
    if profile_to is not None:
        command = [
            sys.executable,
            "-m",
            "pyinstrument",
            "--renderer",
            "text",
            "--outfile",
            str(profile_to),
            *uvicorn,
        ]
    else:
        command = [sys.executable, *uvicorn, "--workers", str(workers)]
    return subprocess.Popen(command, env=env, start_new_session=True)


# The desk takes reports from signed-in operators; intake verifies with the same secret.
DESK_TOKEN = mint_token(GridcaseSettings().secret_key, "op-bench", "district_operator", ["451102"])


async def load(
    base: str, seconds: float, concurrency: int, *, ceiling: bool = False
) -> tuple[list[float], int]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    failed = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one_client(worker: int) -> None:
            nonlocal failed
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                body = random_report(n)
                t0 = time.perf_counter()
                try:
                    if ceiling:  # the same client against a route that does nothing
                        r = await client.get("/healthz")
                    else:
                        r = await client.post(
                            "/reports",
                            json=body,
                            headers={
                                "Idempotency-Key": f"{worker}-{n}-{uuid.uuid4().hex[:8]}",
                                "Authorization": f"Bearer {DESK_TOKEN}",
                            },
                        )
                    if r.status_code in (200, 201):
                        latencies.append(time.perf_counter() - t0)
                    else:
                        failed += 1
                except httpx.HTTPError:
                    failed += 1

        await asyncio.gather(*(one_client(i) for i in range(concurrency)))
    return latencies, failed


async def bench_intake(
    url: str,
    bootstrap: str,
    workers: int,
    seconds: float,
    concurrency: int,
    profile_to: Path | None = None,
    ceiling_runs: list[Run] | None = None,
) -> Run:
    port = free_port()
    server = start_intake(url, bootstrap, port, workers, profile_to)
    try:
        if not await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60):
            raise RuntimeError("intake did not start")
        base = f"http://127.0.0.1:{port}"
        await load(base, 2.0, concurrency)  # warm up pools and caches
        if ceiling_runs is not None:
            t0 = time.perf_counter()
            lat, bad = await load(base, min(seconds, 5.0), concurrency, ceiling=True)
            ceiling_runs.append(
                summarise("HTTP ceiling (GET /healthz)", lat, bad, time.perf_counter() - t0)
            )
        started = time.perf_counter()
        latencies, failed = await load(base, seconds, concurrency)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGINT)  # pyinstrument writes its report on SIGINT
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    label = "intake (profiled)" if profile_to else f"intake, {workers} worker(s)"
    return summarise(label, latencies, failed, elapsed)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    infra = await asyncio.to_thread(TestInfra.start)
    url = await infra.create_database()
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "intake")
        await seed_mirror(url)
        runs = [await baseline(url, args.seconds, args.concurrency)]
        ceilings: list[Run] = []
        for i, workers in enumerate(args.workers):
            runs.append(
                await bench_intake(
                    url,
                    infra.bootstrap,
                    workers,
                    args.seconds,
                    args.concurrency,
                    ceiling_runs=ceilings if i == 0 else None,
                )
            )
        runs.extend(ceilings)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        RESULTS.mkdir(exist_ok=True)
        profile_path = None
        if args.profile:
            profile_path = RESULTS / f"intake-profile-{stamp}.txt"
            runs.append(
                await bench_intake(
                    url, infra.bootstrap, 1, min(args.seconds, 10), args.concurrency, profile_path
                )
            )
        base_rate = runs[0].per_second
        print(
            f"{'run':28} {'reports/s':>10} {'median ms':>10} {'p99 ms':>9} "
            f"{'failed':>7} {'vs asyncpg':>10}"
        )
        for run in runs:
            print(
                f"{run.name:28} {run.per_second:>10.1f} {run.median_ms:>10.2f} "
                f"{run.p99_ms:>9.2f} {run.failed:>7} {run.per_second / base_rate:>10.2f}"
            )
        out = RESULTS / f"intake-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "concurrency": args.concurrency,
                    "seconds": args.seconds,
                    "cpus": os.cpu_count(),
                    "runs": [asdict(r) for r in runs],
                    "profile": str(profile_path) if profile_path else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"results: {out}")
        if profile_path:
            print(f"profile: {profile_path}")
    finally:
        await infra.drop_database(url)
        infra.stop()


if __name__ == "__main__":
    asyncio.run(main())
