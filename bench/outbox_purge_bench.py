"""The outbox retention purge: rows purged per second, and the relay's throughput while
a purge runs against its throughput alone, in the same run.

    python -m bench.outbox_purge_bench [--old 200000] [--unsent 20000] [--rounds 3]

Each round, in a scratch database on ``GRIDCASE_DATABASE_URL``'s server (or the local
one) and a scratch topic on ``GRIDCASE_KAFKA_BOOTSTRAP_SERVERS``:

1. an outbox of ``--old`` sent rows ten days old and ``--unsent`` new rows (analysed);
   the outbox relay publishes the new rows to Kafka alone, then the purge (with the
   service's ``GRIDCASE_OUTBOX_PURGE_BATCH`` rows per window) deletes the old ones alone;
2. the same outbox again, with the relay and the purge running together.

The relay's rate is taken from its first batch marked sent to its last.

Prints medians and writes bench/results/outbox_purge-<time>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from gridcase.devstack.stack import Infrastructure
from gridcase.services import migrate_all
from services.intake.adapters.tables import TABLES
from shared.db.engine import create_engine, plain_url
from shared.messaging.kafka_admin import ensure_topics
from shared.messaging.outbox_purge import OutboxPurge
from shared.messaging.relay import OutboxRelay
from shared.settings import GridcaseSettings

RESULTS = Path(__file__).parent / "results"


async def _old_sent(conn: asyncpg.Connection, n: int, topic: str) -> None:
    await conn.execute(
        "INSERT INTO intake.outbox (event_id, topic, key, type, envelope, created_at, sent_at) "
        "SELECT 'old-' || g || '-' || $2, $1, 'k' || (g % 500), 'bench', "
        "'{\"specversion\": \"1.0\"}', now() - interval '10 days', now() - interval '10 days' "
        "FROM generate_series(1, $3) g",
        topic,
        uuid.uuid4().hex,
        n,
    )


async def _unsent(conn: asyncpg.Connection, n: int, topic: str) -> None:
    await conn.execute(
        "INSERT INTO intake.outbox (event_id, topic, key, type, envelope) "
        "SELECT 'new-' || g || '-' || $2, $1, 'k' || (g % 500), 'bench', "
        '(\'{"specversion": "1.0", "data": {"n": \' || g || \'}}\')::jsonb '
        "FROM generate_series(1, $3) g",
        topic,
        uuid.uuid4().hex,
        n,
    )


async def _drained(conn: asyncpg.Connection) -> None:
    backlog = "SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL"
    for _ in range(12_000):  # at most ten minutes
        if not await conn.fetchval(backlog):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the relay did not drain the outbox")


async def _purge(engine: AsyncEngine, batch: int) -> tuple[int, float]:
    start = time.perf_counter()
    purged = await OutboxPurge(TABLES.outbox).run(
        engine, datetime.now(UTC) - timedelta(hours=1), batch
    )
    return purged, time.perf_counter() - start


async def _relay_rate(
    engine: AsyncEngine, conn: asyncpg.Connection, url: str, bootstrap: str
) -> float:
    relay = OutboxRelay(
        service="intake",
        engine=engine,
        database_url=url,
        outbox=TABLES.outbox,
        bootstrap=bootstrap,
        batch_size=500,
        poll_interval_s=0.2,
    )
    await relay.start()
    try:
        await _drained(conn)
    finally:
        await relay.stop()
    # From the first batch marked sent to the last: the producer's start-up and the
    # first metadata fetch are not the relay's steady throughput.
    first, last, after_first = await conn.fetchrow(
        "SELECT min(sent_at), max(sent_at), "
        "count(*) FILTER (WHERE sent_at > (SELECT min(sent_at) FROM intake.outbox "
        "WHERE event_id LIKE 'new-%')) "
        "FROM intake.outbox WHERE event_id LIKE 'new-%'"
    )
    return float(after_first) / max(float((last - first).total_seconds()), 1e-6)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = plain_url(os.environ["GRIDCASE_DATABASE_URL"]).rsplit("/", 1)[0]
    bootstrap = os.environ["GRIDCASE_KAFKA_BOOTSTRAP_SERVERS"]
    name = "bench_purge_" + uuid.uuid4().hex[:8]
    admin = await asyncpg.connect(server + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    settings = GridcaseSettings(database_url=url, kafka_bootstrap_servers=bootstrap)
    await asyncio.to_thread(migrate_all, settings)
    topic = f"bench.{uuid.uuid4().hex[:8]}.outbox"
    await ensure_topics(bootstrap, [topic], partitions=3, replication_factor=1)
    engine = create_engine(url)
    conn = await asyncpg.connect(url)
    batch = settings.outbox_purge_batch
    rows: dict[str, list[float]] = {k: [] for k in ("purge_alone", "relay_alone", "relay_during")}
    purge_during: list[float] = []
    try:
        for _ in range(args.rounds):
            # The same table each time: old sent rows, then new unsent ones, analysed.
            await _old_sent(conn, args.old, topic)
            await _unsent(conn, args.unsent, topic)
            await conn.execute("VACUUM ANALYZE intake.outbox")
            rows["relay_alone"].append(await _relay_rate(engine, conn, url, bootstrap))
            purged, took = await _purge(engine, batch)
            assert purged == args.old, purged
            rows["purge_alone"].append(purged / took)
            await conn.execute("DELETE FROM intake.outbox")

            await _old_sent(conn, args.old, topic)
            await _unsent(conn, args.unsent, topic)
            await conn.execute("VACUUM ANALYZE intake.outbox")
            purge_task = asyncio.create_task(_purge(engine, batch))
            rows["relay_during"].append(await _relay_rate(engine, conn, url, bootstrap))
            purged, took = await purge_task
            purge_during.append(purged / took)
            await conn.execute("DELETE FROM intake.outbox")
    finally:
        await conn.close()
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    medians = {k: statistics.median(v) for k, v in rows.items()}
    return {
        "old_rows": args.old,
        "unsent_rows": args.unsent,
        "rounds": args.rounds,
        "purge_batch": batch,
        "purged_rows_per_s_alone": medians["purge_alone"],
        "purged_rows_per_s_during_relay": statistics.median(purge_during),
        "relay_events_per_s_alone": medians["relay_alone"],
        "relay_events_per_s_during_purge": medians["relay_during"],
        "relay_ratio_during_purge": medians["relay_during"] / medians["relay_alone"],
    }


def render(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# Outbox purge ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of "
            f"{r['rounds']} rounds; {r['old_rows']:,} old sent rows, {r['unsent_rows']:,} "
            f"unsent, windows of {r['purge_batch']:,})",
            "",
            "| measure | alone | together | ratio |",
            "|---|---:|---:|---:|",
            f"| purge, rows/s | {r['purged_rows_per_s_alone']:,.0f} | "
            f"{r['purged_rows_per_s_during_relay']:,.0f} | "
            f"{r['purged_rows_per_s_during_relay'] / r['purged_rows_per_s_alone']:.2f} |",
            f"| relay, events/s | {r['relay_events_per_s_alone']:,.0f} | "
            f"{r['relay_events_per_s_during_purge']:,.0f} | "
            f"{r['relay_ratio_during_purge']:.2f} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=int, default=200_000)
    parser.add_argument("--unsent", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("GRIDCASE_DATABASE_URL") or not os.environ.get(
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS"
    ):
        os.environ.update(Infrastructure(Path(".gridcase").resolve()).up())
    result = asyncio.run(run(args))
    text = render(result)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"outbox_purge-{stamp}.json").write_text(json.dumps(result, indent=1))
    (RESULTS / f"outbox_purge-{stamp}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
