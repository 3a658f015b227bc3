"""Clock sweep bench (issue 14.9): time-limit cards fired per second by escalation's own
sweeper and card handlers, and the sweep's cost, with 10k / 100k / 1M open clocks.

    .venv/bin/python -m bench.clock_sweep_bench                 # a few minutes
    .venv/bin/python -m bench.clock_sweep_bench --sizes 10000   # seconds

A fresh database on the server named by GRIDCASE_TEST_DATABASE_URL (or one the harness
starts), migrated as the services run it. Open clocks are seeded with SQL
``generate_series``: each running, at a community, with its warning, yellow and red
card jobs pending in ``escalation.scheduled_jobs`` and due over the next year, as the
consumer would have scheduled them (so N clocks are 3N pending jobs).

At each size:

1. cost of one sweep step with a due batch waiting (``--due`` clocks whose three cards
   are due): the sweeper's claim query (``FOR UPDATE SKIP LOCKED``, 100 rows, by the
   partial index ``ix_scheduled_jobs_pending_due``), the next-due lookup, and a
   fire's lookup of its clock by primary key, each the median of ``--repeats`` runs,
   with their EXPLAIN plans;
2. cards fired per second: the sweeper (escalation's handlers: lock the clock, mark the
   card, write the event to the outbox; a red card also decides the escalation up the
   tree) fires the due batch, median of ``--rounds`` batches.

Ratios are against the first size of the same run. Results go to
bench/results/clock-sweep-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text

from gridcase.services import migrate_all
from services.escalation.bootstrap import build_runtime
from services.escalation.service_layer.cards import card_handlers
from shared.clock import ManualClock
from shared.db.engine import plain_url
from shared.db.unit_of_work import UnitOfWork
from shared.logging import configure_logging
from shared.scheduling import Scheduler
from shared.settings import Environment, GridcaseSettings
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"
BATCH = 100
UNIT = "451102001001"  # a community of the demo district: its red cards escalate

# N running clocks ``first..last``, due over the coming year, and their three card jobs.
_SEED_CLOCKS = """
INSERT INTO escalation.clocks (clock_id, case_id, stage, category, unit_code, unit_level,
    handler_id, status, started_at, due_at, yellow_at, red_at, warn_at, fixed)
SELECT $1 || g, $1 || 'case-' || g, 'accept', '邻里纠纷', $4, 'community', 'md-1',
    'running', $5::timestamptz, d, d + interval '1 day', d + interval '2 days',
    d - interval '1 day', true
FROM generate_series($2::int, $3::int) g,
     LATERAL (SELECT $5::timestamptz + interval '2 days'
                     + (g % 525600) * interval '1 minute') AS x(d)
"""
_SEED_JOBS = """
INSERT INTO escalation.scheduled_jobs (kind, dedupe_key, scheduled_for, due_at, payload)
SELECT k.kind, c.clock_id, t, t, jsonb_build_object('clock_id', c.clock_id)
FROM escalation.clocks c
CROSS JOIN LATERAL (VALUES
    ('escalation.clock.warning', c.warn_at),
    ('escalation.clock.yellow_card', c.yellow_at),
    ('escalation.clock.red_card', c.red_at)) AS k(kind, t)
WHERE c.clock_id LIKE $1 || '%'
"""


async def _sql(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def seed(url: str, prefix: str, first: int, last: int, now: datetime) -> None:
    await _sql(url, _SEED_CLOCKS, prefix, first, last, UNIT, now)
    await _sql(url, _SEED_JOBS, prefix)


async def seed_due(url: str, prefix: str, n: int, now: datetime) -> None:
    """``n`` clocks whose warning, yellow and red cards are all due at ``now``."""
    await _sql(url, _SEED_CLOCKS, prefix, 1, n, UNIT, now - timedelta(days=10))
    await _sql(
        url,
        "UPDATE escalation.clocks SET warn_at = $2::timestamptz - interval '3 hours', "
        "due_at = $2::timestamptz - interval '2 hours', "
        "yellow_at = $2::timestamptz - interval '1 hour', red_at = $2::timestamptz "
        "WHERE clock_id LIKE $1 || '%'",
        prefix,
        now - timedelta(minutes=1),
    )
    await _sql(url, _SEED_JOBS, prefix)


async def clean_fired(url: str) -> None:
    """Fired jobs, their clocks and the outbox go, so each size starts from N open."""
    await _sql(
        url,
        "DELETE FROM escalation.clocks c USING escalation.scheduled_jobs j "
        "WHERE j.state <> 'pending' AND j.dedupe_key = c.clock_id",
    )
    await _sql(url, "DELETE FROM escalation.scheduled_jobs WHERE state <> 'pending'")
    await _sql(url, "TRUNCATE escalation.outbox")


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def sweep_cost(
    scheduler: Scheduler[UnitOfWork], engine: Any, now: datetime, repeats: int
) -> dict[str, Any]:
    params = {"now": now, "limit": BATCH}
    next_due = text("SELECT min(due_at) FROM escalation.scheduled_jobs WHERE state = 'pending'")
    clock_by_id = text(
        "SELECT * FROM escalation.clocks WHERE clock_id = :id FOR UPDATE SKIP LOCKED"
    )
    explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    claims: list[float] = []
    lookups: list[float] = []
    clock_reads: list[float] = []
    async with engine.connect() as conn:
        for _ in range(repeats):
            async with conn.begin():
                started = time.perf_counter()
                rows = (await conn.execute(scheduler.claim_statement, params)).all()
                claims.append(time.perf_counter() - started)
                assert len(rows) == BATCH, len(rows)
                clock_id = next(r.payload["clock_id"] for r in rows if "clock_id" in r.payload)
                await conn.rollback()
            async with conn.begin():
                started = time.perf_counter()
                await conn.execute(next_due)
                lookups.append(time.perf_counter() - started)
                started = time.perf_counter()
                await conn.execute(clock_by_id, {"id": clock_id})
                clock_reads.append(time.perf_counter() - started)
                await conn.rollback()
        async with conn.begin():
            plan = await conn.execute(text(explain + scheduler.claim_statement.text), params)
            claim_plan = [r[0] for r in plan]
            next_plan = [r[0] for r in await conn.execute(text(explain + next_due.text))]
            clock_plan = [
                r[0]
                for r in await conn.execute(
                    text(explain + clock_by_id.text.replace(":id", "'" + clock_id + "'"))
                )
            ]
            await conn.rollback()
    return {
        "claim_ms_median": _ms(claims),
        "next_due_ms_median": _ms(lookups),
        "clock_lookup_ms_median": _ms(clock_reads),
        "claim_plan": claim_plan,
        "next_due_plan": next_plan,
        "clock_lookup_plan": clock_plan,
    }


async def fire_rate(
    url: str, scheduler: Scheduler[UnitOfWork], now: datetime, due: int, rounds: int
) -> tuple[list[float], list[float]]:
    """Cards fired per second and the time per due batch of 100 jobs, per round."""
    rates: list[float] = []
    per_batch: list[float] = []
    for r in range(rounds):
        await seed_due(url, f"due-{time.time_ns()}-{r}-", due, now)
        started = time.perf_counter()
        result = await scheduler.run_due()
        elapsed = time.perf_counter() - started
        assert result.fired >= 3 * due, result  # (a screening period may fall due too)
        rates.append(3 * due / elapsed)
        per_batch.append(elapsed / (3 * due / BATCH))
        escalated = await _sql(
            url,
            "SELECT count(*) AS n FROM escalation.outbox WHERE type = $1",
            "cn.gridcase.cycle.case-escalated.v1",
        )
        assert escalated[0]["n"] == due, escalated  # one per red card
        await clean_fired(url)
    return rates, per_batch


async def main(args: argparse.Namespace) -> dict[str, Any]:
    infra = TestInfra.start()
    url = await infra.create_database()
    settings = GridcaseSettings(
        environment=Environment.TEST,
        database_url=url,
        kafka_bootstrap_servers="unused:9092",  # no relay, no consumers: Kafka unused
        log_json=False,
    )
    # One log line per card is the service's own cost, but printing 3,000 a round to a
    # terminal is not: warnings only, as the card sweeper of the kill -9 test does.
    configure_logging("escalation", level="WARNING", json=False)
    now = datetime.now(UTC)
    clock = ManualClock(now)
    runtime = build_runtime(settings)
    try:
        await asyncio.to_thread(migrate_all, settings)
        service_handlers = dict(runtime.job_handlers)
        runtime.job_handlers.clear()  # no background sweeper: the bench drives it
        await runtime.start(consumers=False, relay=False)
        scheduler: Scheduler[UnitOfWork] = Scheduler(
            service="escalation",
            schema="escalation",
            uow_factory=runtime.uow,
            handlers={**service_handlers, **card_handlers(clock.now)},
            clock=clock,
            batch_size=BATCH,
        )
        sizes: list[dict[str, Any]] = []
        seeded = 0
        for size in args.sizes:
            started = time.perf_counter()
            await seed(url, f"open{size}-", seeded + 1, size, now)
            seeded = size
            await _sql(url, "VACUUM ANALYZE escalation.clocks")
            await _sql(url, "VACUUM ANALYZE escalation.scheduled_jobs")
            seed_s = time.perf_counter() - started
            await seed_due(url, f"cost-{size}-", BATCH, now)
            cost = await sweep_cost(scheduler, runtime.engine, now, args.repeats)
            await scheduler.run_due()
            await clean_fired(url)
            rates, per_batch = await fire_rate(url, scheduler, now, args.due, args.rounds)
            pending = (await _sql(url, "SELECT count(*) AS n FROM escalation.scheduled_jobs"))[0][
                "n"
            ]
            sizes.append(
                {
                    "open_clocks": size,
                    "pending_jobs": pending,
                    "seed_s": seed_s,
                    **cost,
                    "fired_per_s_median": statistics.median(rates),
                    "fired_per_s_runs": rates,
                    "ms_per_due_batch_median": statistics.median(per_batch) * 1000,
                }
            )
            print(_line(sizes[-1], sizes[0]), flush=True)
    finally:
        await runtime.stop()
        await infra.drop_database(url)
        infra.stop()
    return {
        "time": datetime.now(UTC).isoformat(),
        "due_clocks_per_round": args.due,
        "rounds": args.rounds,
        "repeats": args.repeats,
        "batch_size": BATCH,
        "sizes": sizes,
    }


def _line(size: dict[str, Any], first: dict[str, Any]) -> str:
    def ratio(key: str) -> str:
        return f"×{size[key] / first[key]:.2f}"

    return (
        f"{size['open_clocks']:>9,} open clocks ({size['pending_jobs']:,} jobs): "
        f"fired/s {size['fired_per_s_median']:.0f} ({ratio('fired_per_s_median')}), "
        f"per due batch {size['ms_per_due_batch_median']:.1f} ms "
        f"({ratio('ms_per_due_batch_median')}), "
        f"claim {size['claim_ms_median']:.2f} ms ({ratio('claim_ms_median')}), "
        f"next-due {size['next_due_ms_median']:.2f} ms ({ratio('next_due_ms_median')}), "
        f"clock by id {size['clock_lookup_ms_median']:.2f} ms"
    )


def _print(report: dict[str, Any]) -> None:
    first = report["sizes"][0]
    print(f"\n{report['rounds']} rounds of {report['due_clocks_per_round']} due clocks each")
    for size in report["sizes"]:
        print(_line(size, first))
    last = report["sizes"][-1]
    print("claim plan:", *last["claim_plan"], sep="\n  ")
    print("next-due plan:", *last["next_due_plan"], sep="\n  ")
    print("clock lookup plan:", *last["clock_lookup_plan"], sep="\n  ")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000, help="due clocks per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=30)
    arguments = parser.parse_args()
    report = asyncio.run(main(arguments))
    _print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"clock-sweep-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten {out}")
