"""A tiny service for the scheduler's tests: its own schema with outbox, inbox and
scheduled jobs, an ``effects`` table the job handlers write to, and handlers that
publish an outbox event with their effect.

``effects`` has no unique constraint on purpose: a job fired twice shows as two rows.
Run as a module it is a sweeper process (``python -m tests.integration.scheduling.jobs_app
URL --delay 0.2``), which the kill -9 and two-replica tests start as children.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from typing import ClassVar

import asyncpg
from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock
from shared.db.engine import create_engine, plain_url
from shared.db.tables import inbox_table, outbox_table
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.payload import Payload
from shared.events.topics import TopicNames
from shared.scheduling import (
    JobHandler,
    ScheduledJob,
    Scheduler,
    WorkingDays,
    scheduled_jobs_table,
)

SCHEMA = "jobs_app"
EFFECT = "test.effect"
FAILING = "test.failing"
KILLS_CONNECTION = "test.kills-connection"

metadata = MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
scheduled_jobs = scheduled_jobs_table(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("job_id", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("scheduled_for", DateTime(timezone=True), nullable=False),
    Column("fired_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class JobEffectV1(Payload):
    """The event a test job publishes with its effect."""

    event_type: ClassVar[str] = "cn.gridcase.cycle.test-job-effect.v1"
    producer: ClassVar[str] = "jobs_app"
    job_id: int
    kind: str


async def create_schema(database_url: str) -> None:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
    finally:
        await conn.close()
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as sa_conn:
            await sa_conn.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


def uow_factory(engine: AsyncEngine) -> UnitOfWork:
    return UnitOfWork(
        engine,
        schema=SCHEMA,
        outbox=outbox,
        inbox=inbox,
        topics=TopicNames("t."),
        source="/gridcase/jobs_app",
    )


def effect_handler(fired_by: str, delay_s: float = 0.0) -> JobHandler[UnitOfWork]:
    """Writes an effect row and publishes an event; ``delay_s`` keeps the transaction
    open (slow work) so a test can kill the process in the middle of a sweep."""

    async def handle(uow: UnitOfWork, job: ScheduledJob) -> None:
        await uow.connection.execute(
            insert(effects).values(
                job_id=job.id, kind=job.kind, scheduled_for=job.scheduled_for, fired_by=fired_by
            )
        )
        uow.publish(topics.CYCLE, str(job.id), JobEffectV1(job_id=job.id, kind=job.kind))
        if delay_s:
            await asyncio.sleep(delay_s)

    return handle


async def failing_handler(uow: UnitOfWork, job: ScheduledJob) -> None:
    """Writes and publishes, then fails: nothing of it may survive."""
    await effect_handler("failing")(uow, job)
    if job.payload.get("fail_until_attempt", 10**6) > job.attempts:
        raise RuntimeError(f"job {job.id} failed on attempt {job.attempts + 1}")


async def connection_killing_handler(uow: UnitOfWork, job: ScheduledJob) -> None:
    """Ends its own database session: the whole transaction is lost, not a savepoint."""
    await uow.connection.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


def build_scheduler(
    engine: AsyncEngine,
    database_url: str | None,
    *,
    fired_by: str = "test",
    delay_s: float = 0.0,
    clock: Clock | None = None,
    calendar: WorkingDays | None = None,
    batch_size: int = 100,
    poll_interval_s: float = 0.2,
    max_attempts: int = 3,
    retry_backoff_s: float = 60.0,
) -> Scheduler[UnitOfWork]:
    return Scheduler(
        service="jobs_app",
        schema=SCHEMA,
        uow_factory=lambda: uow_factory(engine),
        handlers={
            EFFECT: effect_handler(fired_by, delay_s),
            FAILING: failing_handler,
            KILLS_CONNECTION: connection_killing_handler,
        },
        database_url=database_url,
        clock=clock,
        calendar=calendar,
        batch_size=batch_size,
        poll_interval_s=poll_interval_s,
        max_attempts=max_attempts,
        retry_backoff_s=retry_backoff_s,
    )


async def _sweep_forever(database_url: str, delay_s: float, batch_size: int) -> None:
    """The child process: sweep with the system clock until killed."""
    engine = create_engine(database_url, pool_size=2)
    scheduler = build_scheduler(
        engine, database_url, fired_by=f"pid-{os.getpid()}", delay_s=delay_s, batch_size=batch_size
    )
    await scheduler.start()
    print("sweeping", datetime.now().isoformat(), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(_sweep_forever(args.database_url, args.delay, args.batch))


if __name__ == "__main__":
    main()
