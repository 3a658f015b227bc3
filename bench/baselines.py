"""Raw ceilings measured beside every benchmark: what PostgreSQL and Kafka alone do here."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.bench_stack import summary


async def asyncpg_commit_rate(
    database_url: str, *, rows: int = 2000, connections: int = 1
) -> dict[str, float]:
    """Single-row INSERT + COMMIT, one transaction per row, over ``connections`` at once."""
    table = f"bench_commit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f"CREATE TABLE {table} (id bigserial primary key, body jsonb not null)")
    conns = [await asyncpg.connect(database_url) for _ in range(connections)]
    latencies: list[float] = []

    async def worker(conn: asyncpg.Connection, n: int) -> None:
        for _ in range(n):
            t0 = time.perf_counter()
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {table} (body) VALUES ($1)", '{"k": "v"}')  # noqa: S608
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c, rows // connections) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    await admin.execute(f"DROP TABLE {table}")
    await admin.close()
    return {
        "commits_per_s": len(latencies) / elapsed,
        **{f"latency_{k}": v for k, v in summary(latencies).items()},
    }


async def kafka_produce_consume(
    bootstrap: str, *, messages: int = 20000, probes: int = 200
) -> dict[str, float]:
    """Throughput of acks=all idempotent produce → consume, and one-message round trips."""
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"bench-{topic}"
    )
    await producer.start()
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        payload = b"x" * 600  # about the size of a case.submitted event
        # Round trips first, one message at a time.
        rtts = []
        for i in range(probes):
            t0 = time.perf_counter()
            await producer.send_and_wait(topic, payload, key=str(i).encode())
            got = 0
            while not got:
                got = sum(len(v) for v in (await consumer.getmany(timeout_ms=50)).values())
            rtts.append(time.perf_counter() - t0)
        # Then a burst.
        started = time.perf_counter()
        sends = [await producer.send(topic, payload, key=str(i).encode()) for i in range(messages)]
        received = 0
        while received < messages:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            received += sum(len(v) for v in batch.values())
        elapsed = time.perf_counter() - started
        await asyncio.gather(*sends)
    finally:
        await consumer.stop()
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()
    return {
        "messages_per_s": messages / elapsed,
        **{f"rtt_{k}": v for k, v in summary(rtts).items()},
    }
