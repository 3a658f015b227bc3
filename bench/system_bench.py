"""The whole system under a realistic load, end to end, with the raw ceilings beside it.

    .venv/bin/python -m bench.system_bench --rate 200 --seconds 60

Starts PostgreSQL, Kafka and the four services (separate processes) with the demo
district, runs ``gridcase load``'s workload at a fixed rate, and samples outbox
backlog, consumer lag, CPU and memory per process every second. Afterwards it reads
from the databases when each case was submitted (intake's commit) and first assigned
(routing's commit), measures asyncpg and aiokafka ceilings in the same run, and writes
``bench/results/system-<time>.{json,md,png}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.baselines import asyncpg_commit_rate, kafka_produce_consume
from bench.bench_stack import RESULTS, bench_system, summary
from bench.observe import Observer, Sample, mean, peak
from bench.profiling import start_recording, summarise
from gridcase.load import Mix, Territory, Workload, run_load
from shared.db.engine import plain_url
from tests.harness import TestInfra


async def case_latencies(
    database_url: str, expected: int, timeout: float = 180.0
) -> list[dict[str, Any]]:
    """(submitted second, submitted→assigned seconds) for every case, once all are routed."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            routed = await conn.fetchval("SELECT count(DISTINCT case_id) FROM routing.assignments")
            if routed >= expected:
                break
            await asyncio.sleep(0.5)
        rows = await conn.fetch(
            """
            SELECT extract(epoch FROM s.submitted_at) AS submitted,
                   extract(epoch FROM min(a.assigned_at) - s.submitted_at) AS seconds
            FROM intake.submissions s JOIN routing.assignments a USING (case_id)
            WHERE s.duplicate_of IS NULL
            GROUP BY s.case_id, s.submitted_at
            """
        )
    finally:
        await conn.close()
    return [{"submitted": float(r["submitted"]), "seconds": float(r["seconds"])} for r in rows]


def windows(latencies: list[dict[str, Any]], width_s: float = 5.0) -> list[dict[str, float]]:
    if not latencies:
        return []
    start = min(x["submitted"] for x in latencies)
    buckets: dict[int, list[float]] = {}
    for x in latencies:
        buckets.setdefault(int((x["submitted"] - start) // width_s), []).append(x["seconds"])
    return [
        {"t": k * width_s, "median": statistics.median(v), "p99": summary(v)["p99"], "n": len(v)}
        for k, v in sorted(buckets.items())
    ]


def plot(path: Path, series: list[dict[str, float]], samples: list[Sample], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    top.plot([s["t"] for s in series], [s["median"] * 1000 for s in series], label="median")
    top.plot([s["t"] for s in series], [s["p99"] * 1000 for s in series], label="p99")
    top.set_ylabel("submitted → assigned (ms)")
    top.legend()
    top.set_title(title)
    for schema in samples[0].backlog if samples else []:
        middle.plot(
            [s.t for s in samples], [s.backlog.get(schema, 0) for s in samples], label=schema
        )
    middle.set_ylabel("outbox backlog (events)")
    middle.legend()
    groups = sorted({g for s in samples for g in s.lag})
    for group in groups:
        bottom.plot([s.t for s in samples], [s.lag.get(group, 0) for s in samples], label=group)
    bottom.set_ylabel("consumer lag (messages)")
    bottom.set_xlabel("seconds since the load began")
    if groups:
        bottom.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


async def main(
    rate: float, seconds: float, mix: str, profile: bool = False, intake_workers: int = 1
) -> tuple[dict[str, Any], list[Sample], list[dict[str, float]]]:
    infra = TestInfra.start()
    try:
        async with bench_system(infra, intake_workers=intake_workers) as system:
            workload = Workload(
                Territory.demo(), Mix.parse(mix), system.settings.secret_key, seed=7
            )
            await run_load(
                system.urls["intake"], workload, rate=min(rate, 20), duration_s=3
            )  # warm-up
            await asyncio.sleep(2)
            warm = len(await case_latencies(system.database_url, 0, timeout=0))
            group_prefix = f"{system.settings.topic_prefix}gridcase."
            recordings = {}
            if profile:
                RESULTS.mkdir(exist_ok=True)
                for name in ("intake", "routing", "mediation", "escalation"):
                    out = RESULTS / f"profile-{name}.raw"
                    recordings[name] = (start_recording(system.pids()[name], seconds, out), out)
            async with Observer(
                system.database_url, system.settings.kafka_servers(), group_prefix, system.pids()
            ) as observer:
                # The plan is drawn before the clock starts: the generator shares the
                # two cores with the system, and Faker's text is not what is measured.
                result = await run_load(
                    system.urls["intake"],
                    workload,
                    rate=rate,
                    duration_s=seconds,
                    prepare=True,
                    connections=256,
                )
                created = sum(1 for a in result.accepted if a.outcome == "created")
                latencies = await case_latencies(system.database_url, warm + created)
                await asyncio.sleep(1)
            samples = observer.samples
            profiles = {}
            for name, (recorder, out) in recordings.items():
                recorder.wait(timeout=60)
                profiles[name] = summarise(out)
        baseline_db = await infra.create_database()
        try:
            pg8 = await asyncpg_commit_rate(baseline_db, connections=8, rows=4000)
        finally:
            await infra.drop_database(baseline_db)
        kafka = await kafka_produce_consume(infra.bootstrap)
    finally:
        infra.stop()

    measured = sorted(latencies, key=lambda x: x["submitted"])[warm:]
    e2e = summary([x["seconds"] for x in measured])
    accepted = summary(result.latencies())
    series = windows(measured)
    outcome: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "offered_rate_per_s": rate,
        "seconds": seconds,
        "mix": mix,
        "intake_workers": intake_workers,
        "planned": result.planned,
        "accepted": len(result.accepted),
        "accepted_per_s": result.accepted_per_s,
        "refused": dict(result.refused),
        "gave_up": result.gave_up,
        "intake_response_s": accepted,
        "submitted_to_assigned_s": e2e,
        "cpu_percent_mean": mean(samples, "cpu_percent"),
        "rss_mb_peak": peak(samples, "rss_mb"),
        "outbox_backlog_peak": peak(samples, "backlog"),
        "consumer_lag_peak": peak(samples, "lag"),
        "asyncpg_8conn": pg8,
        "kafka": kafka,
        "profiles": profiles,
        "ratios": {
            "accepted_per_s_over_asyncpg_8conn_commits_per_s": result.accepted_per_s
            / pg8["commits_per_s"],
            "accepted_per_s_over_kafka_messages_per_s": result.accepted_per_s
            / kafka["messages_per_s"],
            "e2e_median_over_kafka_rtt_median": e2e["median"] / kafka["rtt_median"],
        },
    }
    return outcome, samples, series


def to_markdown(r: dict[str, Any]) -> str:
    def ms(stats: dict[str, float]) -> str:
        return " | ".join(f"{stats[k] * 1000:.0f}" for k in ("median", "p95", "p99", "max"))

    cpu, rss = r["cpu_percent_mean"], r["rss_mb_peak"]
    pg8, kafka = r["asyncpg_8conn"], r["kafka"]
    lines = [
        f"# System under load ({r['when']})",
        "",
        f"Offered {r['offered_rate_per_s']:g}/s for {r['seconds']:g} s ({r['mix']}; "
        f"{r.get('intake_workers', 1)} intake process(es)): "
        f"{r['accepted']} accepted ({r['accepted_per_s']:.0f}/s), refused {r['refused'] or 0}, "
        f"gave up {r['gave_up']}.",
        "",
        "| latency (ms) | median | p95 | p99 | max |",
        "|---|---|---|---|---|",
        f"| intake answer | {ms(r['intake_response_s'])} |",
        f"| submitted → assigned | {ms(r['submitted_to_assigned_s'])} |",
        "",
        "| process | mean CPU % | peak RSS MB |",
        "|---|---|---|",
        *[f"| {name} | {cpu.get(name, 0):.0f} | {rss.get(name, 0):.0f} |" for name in sorted(rss)],
        "",
        f"Peak outbox backlog: {r['outbox_backlog_peak']}.",
        f"Peak consumer lag: {r['consumer_lag_peak']}.",
        "",
        "| ceiling in the same run | per second |",
        "|---|---|",
        f"| asyncpg single-row commits, 8 connections | {pg8['commits_per_s']:.0f} |",
        f"| aiokafka produce→consume (acks=all, idempotent) | {kafka['messages_per_s']:.0f} |",
        "",
        "| ratio | value |",
        "|---|---|",
        *[f"| {k} | {v:.3f} |" for k, v in r["ratios"].items()],
        "",
    ]
    for name, profile in r.get("profiles", {}).items():
        lines += [
            f"Where {name}'s main thread spends its time "
            f"({profile['main_thread_samples']} samples):",
            "",
            "| share | innermost GridCase frame |",
            "|---|---|",
            *[f"| {share:.1%} | `{frame}` |" for share, frame in profile["ours"][:10]],
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--mix", default="officer=0.5,resident=0.3,dispute=0.2")
    parser.add_argument("--profile", action="store_true", help="py-spy the four services")
    parser.add_argument("--intake-workers", type=int, default=1, help="intake processes")
    args = parser.parse_args()
    outcome, samples, series = asyncio.run(
        main(args.rate, args.seconds, args.mix, args.profile, args.intake_workers)
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS / f"system-{stamp}"
    base.with_suffix(".json").write_text(
        json.dumps({**outcome, "series": series, "samples": [asdict(s) for s in samples]}, indent=2)
    )
    markdown = to_markdown(outcome)
    base.with_suffix(".md").write_text(markdown)
    plot(
        base.with_suffix(".png"), series, samples, f"{args.rate:g}/s offered for {args.seconds:g} s"
    )
    print(markdown)
    print(f"plot: {base.with_suffix('.png')}")
