"""Submitted → assigned latency at a steady rate, beside the raw ceilings.

    .venv/bin/python -m bench.latency --rate 100 --seconds 20

Starts a whole system (four uvicorn processes, real PostgreSQL and Kafka, the demo
district), offers grid officers' reports to intake at a fixed rate (open loop: sends on
schedule whatever the answers take), then reads from the databases when each case was
submitted (intake's commit) and assigned (routing's commit). In the same run it
measures asyncpg single-row commit rate and aiokafka produce→consume rate and round
trip, and prints the ratios.
Results go to bench/results/latency-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.baselines import asyncpg_commit_rate, kafka_produce_consume
from bench.bench_stack import RESULTS, bench_system, summary
from gridcase.load import Mix, Territory, Workload, run_load
from shared.db.engine import plain_url
from tests.harness import TestInfra


async def offer_load(
    url: str, workload: Workload, rate: float, seconds: float
) -> tuple[list[float], int, int]:
    """Open-loop load; returns intake response times, cases created and failures."""
    result = await run_load(url, workload, rate=rate, duration_s=seconds, prepare=True)
    created = sum(1 for a in result.accepted if a.outcome == "created")
    return result.latencies(), created, sum(result.refused.values()) + result.gave_up


async def pipeline_latencies(database_url: str, expected: int, timeout: float = 120) -> list[float]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = await conn.fetchval("SELECT count(DISTINCT case_id) FROM routing.assignments")
            if n >= expected:
                break
            await asyncio.sleep(0.5)
        # One row per case (its first assignment), oldest first, linked duplicates out.
        rows = await conn.fetch(
            "SELECT extract(epoch FROM min(a.assigned_at) - s.submitted_at) AS seconds "
            "FROM intake.submissions s JOIN routing.assignments a USING (case_id) "
            "WHERE s.duplicate_of IS NULL "
            "GROUP BY s.case_id, s.submitted_at ORDER BY s.submitted_at"
        )
    finally:
        await conn.close()
    return [float(r["seconds"]) for r in rows]


async def main(rate: float, seconds: float) -> dict[str, object]:
    infra = TestInfra.start()
    try:
        async with bench_system(infra) as system:
            # Grid officers' reports from their phones: the walking skeleton's path.
            workload = Workload(
                Territory.demo(),
                Mix(officer=1, resident=0, dispute=0),
                system.settings.secret_key,
                seed=5,
            )
            await offer_load(system.urls["intake"], workload, min(rate, 20), 2)  # warm-up
            warm = await pipeline_latencies(system.database_url, 1)
            intake_lat, accepted, failures = await offer_load(
                system.urls["intake"], workload, rate, seconds
            )
            e2e = await pipeline_latencies(system.database_url, accepted + len(warm))
            e2e = e2e[len(warm) :] if len(e2e) > len(warm) else e2e
        baseline_db = await infra.create_database()
        try:
            pg1 = await asyncpg_commit_rate(baseline_db, connections=1)
            pg8 = await asyncpg_commit_rate(baseline_db, connections=8, rows=4000)
        finally:
            await infra.drop_database(baseline_db)
        kafka = await kafka_produce_consume(infra.bootstrap)
    finally:
        infra.stop()

    e2e_s = summary(e2e)
    result: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(),
        "offered_rate_per_s": rate,
        "seconds": seconds,
        "accepted": accepted,
        "failures": failures,
        "intake_response_s": summary(intake_lat),
        "submitted_to_assigned_s": e2e_s,
        "asyncpg_1conn": pg1,
        "asyncpg_8conn": pg8,
        "kafka": kafka,
        "ratios": {
            "e2e_median_over_kafka_rtt_median": e2e_s["median"] / kafka["rtt_median"],
            "offered_rate_over_asyncpg_8conn_commit_rate": rate / pg8["commits_per_s"],
            "offered_rate_over_kafka_rate": rate / kafka["messages_per_s"],
        },
    }
    return result


def _latency_row(label: str, stats: dict[str, float], prefix: str = "") -> str:
    cells = [stats[f"{prefix}{k}"] * 1000 for k in ("median", "p95", "p99", "max")]
    return f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells) + " |"


def _rate_row(label: str, stats: dict[str, float]) -> str:
    rate = stats.get("commits_per_s", stats.get("messages_per_s", float("nan")))
    return f"| {label} | {rate:.0f} |"


def to_markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# Submitted → assigned latency ({r['when']})",
            "",
            f"Offered {r['offered_rate_per_s']}/s for {r['seconds']} s: "
            f"{r['accepted']} accepted, {r['failures']} failed.",
            "",
            "| measure (ms) | median | p95 | p99 | max |",
            "|---|---|---|---|---|",
            _latency_row("intake POST /reports", r["intake_response_s"]),
            _latency_row("submitted → assigned", r["submitted_to_assigned_s"]),
            _latency_row("raw Kafka produce→consume round trip", r["kafka"], "rtt_"),
            _latency_row("raw asyncpg commit, 1 connection", r["asyncpg_1conn"], "latency_"),
            "",
            "| ceiling | per second |",
            "|---|---|",
            _rate_row("asyncpg single-row commits, 1 connection", r["asyncpg_1conn"]),
            _rate_row("asyncpg single-row commits, 8 connections", r["asyncpg_8conn"]),
            _rate_row("aiokafka produce→consume (acks=all, idempotent)", r["kafka"]),
            "",
            "| ratio | value |",
            "|---|---|",
            *[f"| {k} | {v:.3f} |" for k, v in r["ratios"].items()],
            "",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100.0, help="reports offered per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to offer them")
    args = parser.parse_args()
    outcome = asyncio.run(main(args.rate, args.seconds))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"latency-{stamp}.json").write_text(json.dumps(outcome, indent=2))
    markdown = to_markdown(outcome)
    (RESULTS / f"latency-{stamp}.md").write_text(markdown)
    print(markdown)
