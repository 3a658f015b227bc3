"""Scheduler bench: jobs fired per second, and the sweep's cost beside 10k / 100k / 1M
pending jobs that are not yet due.

    .venv/bin/python -m bench.scheduler_bench            # about two minutes
    .venv/bin/python -m bench.scheduler_bench --quick    # seconds, 10k only

Uses the server named by GRIDCASE_TEST_DATABASE_URL (or starts its own) and a fresh
database with the scheduler tests' schema (tests/integration/scheduling/jobs_app.py):
each job's handler writes one effect row and one outbox event, as a deadline that
records a card and announces it would.

1. fired/s: ``--jobs`` due jobs swept by one sweeper (claim a batch of 100 with
   ``FOR UPDATE SKIP LOCKED``, a savepoint and a ``fired`` mark per job, one commit per
   batch), median of ``--rounds``; beside a baseline that makes the same writes in the
   same batches of 100 without claiming, savepoints or marks.
2. sweep cost: with N pending rows due in the future (inserted with generate_series)
   and 100 due rows, the median time of one claim query and of the next-due lookup,
   the claim's EXPLAIN plan, and fired/s again at that size.

Medians are printed and written to bench/results/scheduler-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from shared.db.engine import create_engine, plain_url
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from tests.harness import TestInfra
from tests.integration.scheduling import jobs_app

RESULTS = Path(__file__).parent / "results"
TABLE = f"{jobs_app.SCHEMA}.scheduled_jobs"
BATCH = 100


async def _sql(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def _insert_due(url: str, n: int, prefix: str) -> None:
    await _sql(
        url,
        f"INSERT INTO {TABLE} (kind, dedupe_key, scheduled_for, due_at) "
        "SELECT $1, $2 || g, now() - interval '1 minute', now() - interval '1 minute' "
        "FROM generate_series(1, $3) g",
        jobs_app.EFFECT,
        prefix,
        n,
    )


async def _insert_future(url: str, first: int, last: int) -> None:
    """Pending rows due over the next year: the open deadlines of a busy district."""
    await _sql(
        url,
        f"INSERT INTO {TABLE} (kind, dedupe_key, scheduled_for, due_at, payload) "
        "SELECT $1, 'future-' || g, t, t, jsonb_build_object('case_id', 'c-' || g) "
        "FROM generate_series($2::int, $3::int) g, "
        "LATERAL (SELECT now() + interval '1 hour' + (g % 525600) * interval '1 minute') AS d(t)",
        jobs_app.EFFECT,
        first,
        last,
    )
    await _sql(url, f"VACUUM ANALYZE {TABLE}")


async def _clear_fired(url: str) -> None:
    await _sql(url, f"DELETE FROM {TABLE} WHERE state <> 'pending'")
    await _sql(url, f"TRUNCATE {jobs_app.SCHEMA}.effects, {jobs_app.SCHEMA}.outbox")


async def fire_rate(url: str, jobs: int, rounds: int) -> list[float]:
    engine = create_engine(url, pool_size=2)
    scheduler = jobs_app.build_scheduler(engine, None, batch_size=BATCH)
    rates = []
    try:
        for r in range(rounds):
            await _insert_due(url, jobs, f"due-{time.time_ns()}-{r}-")
            started = time.perf_counter()
            result = await scheduler.run_due()
            elapsed = time.perf_counter() - started
            assert result.fired == jobs, result
            rates.append(jobs / elapsed)
            await _clear_fired(url)
    finally:
        await engine.dispose()
    return rates


async def baseline_rate(url: str, jobs: int, rounds: int) -> list[float]:
    """The handlers' own writes (effect row + outbox event), batches of 100, no scheduler."""
    engine = create_engine(url, pool_size=2)
    rates = []
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            for start in range(0, jobs, BATCH):
                uow: UnitOfWork
                async with jobs_app.uow_factory(engine) as uow:
                    for i in range(start, min(jobs, start + BATCH)):
                        await uow.connection.execute(
                            insert(jobs_app.effects).values(
                                job_id=i,
                                kind=jobs_app.EFFECT,
                                scheduled_for=datetime.now(UTC),
                                fired_by="baseline",
                            )
                        )
                        uow.publish(
                            topics.CYCLE, str(i), jobs_app.JobEffectV1(job_id=i, kind="baseline")
                        )
                    await uow.commit()
            rates.append(jobs / (time.perf_counter() - started))
            await _clear_fired(url)
    finally:
        await engine.dispose()
    return rates


async def interleaved(url: str, jobs: int, rounds: int) -> tuple[list[float], list[float]]:
    """Baseline and scheduler rounds taking turns, so a busy moment of a shared machine
    weighs on both."""
    base: list[float] = []
    fired: list[float] = []
    for _ in range(rounds):
        base += await baseline_rate(url, jobs, 1)
        fired += await fire_rate(url, jobs, 1)
    return base, fired


async def sweep_cost(url: str, repeats: int) -> dict[str, Any]:
    """One claim (100 due rows among the pending) and one next-due lookup, timed."""
    engine = create_engine(url, pool_size=2)
    scheduler = jobs_app.build_scheduler(engine, None, batch_size=BATCH)
    await _insert_due(url, BATCH, f"cost-{time.time_ns()}-")
    claims, lookups = [], []
    try:
        params = {"now": datetime.now(UTC), "limit": BATCH}
        next_due = text(f"SELECT min(due_at) FROM {TABLE} WHERE state = 'pending'")
        explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
        async with engine.connect() as conn:
            for _ in range(repeats):
                async with conn.begin():
                    started = time.perf_counter()
                    rows = (await conn.execute(scheduler.claim_statement, params)).all()
                    claims.append(time.perf_counter() - started)
                    assert len(rows) == BATCH
                    await conn.rollback()
                async with conn.begin():
                    started = time.perf_counter()
                    await conn.execute(next_due)
                    lookups.append(time.perf_counter() - started)
                    await conn.rollback()
            async with conn.begin():
                claim_sql = scheduler.claim_statement.text
                plan = (await conn.execute(text(explain + claim_sql), params)).all()
                next_due_plan = (await conn.execute(text(explain + next_due.text))).all()
                await conn.rollback()
        await scheduler.run_due()  # fire them, so the next size starts clean
        await _clear_fired(url)
    finally:
        await engine.dispose()
    return {
        "claim_ms_median": statistics.median(claims) * 1000,
        "next_due_ms_median": statistics.median(lookups) * 1000,
        "claim_plan": [row[0] for row in plan],
        "next_due_plan": [row[0] for row in next_due_plan],
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    infra = TestInfra.start()
    url = await infra.create_database()
    try:
        await jobs_app.create_schema(url)
        base, empty = await interleaved(url, args.jobs, args.rounds)
        sizes: list[dict[str, Any]] = []
        inserted = 0
        for size in args.sizes:
            await _insert_future(url, inserted + 1, size)
            inserted = size
            pending = (await _sql(url, f"SELECT count(*) AS n FROM {TABLE}"))[0]["n"]
            cost = await sweep_cost(url, args.repeats)
            size_base, rates = await interleaved(url, args.jobs, max(2, args.rounds // 2))
            sizes.append(
                {
                    "pending_not_due": pending,
                    **cost,
                    "fired_per_s_median": statistics.median(rates),
                    "fired_per_s_runs": rates,
                    "baseline_writes_per_s_median": statistics.median(size_base),
                    "ratio_to_baseline": statistics.median(rates) / statistics.median(size_base),
                }
            )
    finally:
        await infra.drop_database(url)
        infra.stop()
    return {
        "time": datetime.now(UTC).isoformat(),
        "jobs_per_round": args.jobs,
        "rounds": args.rounds,
        "batch_size": BATCH,
        "baseline_writes_per_s_median": statistics.median(base),
        "fired_per_s_median": statistics.median(empty),
        "fired_per_s_runs": empty,
        "ratio_to_baseline": statistics.median(empty) / statistics.median(base),
        "sizes": sizes,
    }


def _print(report: dict[str, Any]) -> None:
    print(
        f"fired/s (median of {report['rounds']} × {report['jobs_per_round']} jobs): "
        f"{report['fired_per_s_median']:.0f}; baseline writes/s "
        f"{report['baseline_writes_per_s_median']:.0f} "
        f"(ratio {report['ratio_to_baseline']:.2f})"
    )
    for size in report["sizes"]:
        print(
            f"{size['pending_not_due']:>9,} pending: claim {size['claim_ms_median']:.2f} ms, "
            f"next-due {size['next_due_ms_median']:.2f} ms, "
            f"fired/s {size['fired_per_s_median']:.0f} "
            f"(baseline {size['baseline_writes_per_s_median']:.0f}, "
            f"ratio {size['ratio_to_baseline']:.2f})"
        )
        for line in size["claim_plan"] + size["next_due_plan"]:
            print(f"    {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="10k pending, 500 jobs, 3 rounds")
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.rounds, args.repeats, args.sizes = 500, 3, 10, [10_000]
    report = asyncio.run(main(args))
    _print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scheduler-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"results: {out}")
