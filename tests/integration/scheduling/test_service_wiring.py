"""The scheduler inside a real service: its alembic helper in a migration, jobs fired on
the service runtime's own unit of work, and the events they publish reaching Kafka
once through the service's outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import orjson
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection

from shared.db.engine import create_engine
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.payload import Payload
from shared.scheduling import ScheduledJob, schedule
from shared.scheduling.migration_ops import create_scheduled_jobs, drop_scheduled_jobs
from tests.harness import Stack, eventually, read_topic

pytestmark = pytest.mark.integration

KIND = "test.deadline"


class DeadlineReachedV1(Payload):
    event_type: ClassVar[str] = "cn.gridcase.cycle.test-deadline-reached.v1"
    producer: ClassVar[str] = "escalation"
    case_id: str


async def _migrate(url: str, operation: Callable[[], None]) -> None:
    """Run alembic operations as a revision's upgrade() would."""

    def run(conn: Connection) -> None:
        with Operations.context(MigrationContext.configure(conn)):
            operation()

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def _indexes(stack: Stack) -> dict[str, str]:
    return {
        r["indexname"]: r["indexdef"]
        for r in await stack.sql(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'escalation' AND tablename = 'scheduled_jobs'"
        )
    }


async def test_the_migration_helper_creates_the_table_with_its_due_index(stack: Stack) -> None:
    """Escalation's migrations create its table with the helper; dropped and created
    again, it has the same indexes."""
    url = stack.settings.database_url_for("escalation")
    migrated = await _indexes(stack)
    await _migrate(url, lambda: drop_scheduled_jobs("escalation"))
    gone = await stack.sql("SELECT to_regclass('escalation.scheduled_jobs') AS t")
    assert gone[0]["t"] is None
    await _migrate(url, lambda: create_scheduled_jobs("escalation"))
    indexes = await _indexes(stack)
    assert indexes == migrated
    assert "WHERE (state = 'pending'::text)" in indexes["ix_scheduled_jobs_pending_due"]
    assert "UNIQUE" in indexes["uq_scheduled_jobs_kind_dedupe_key"]
    assert "UNIQUE" in indexes["uq_scheduled_jobs_pending_series"]


async def test_a_job_fired_on_a_service_runtime_publishes_its_event_to_kafka_once(
    stack: Stack,
) -> None:
    runtime = stack.runtime("escalation")

    async def deadline_reached(uow: UnitOfWork, job: ScheduledJob) -> None:
        case_id = job.payload["case_id"]
        uow.publish(topics.CYCLE, case_id, DeadlineReachedV1(case_id=case_id))

    runtime.job_handlers[KIND] = deadline_reached
    await runtime.start(consumers=False)  # engine, outbox relay and the runtime's sweeper
    assert runtime.scheduler is not None
    async with runtime.uow() as uow:
        await schedule(uow, KIND, datetime.now(UTC), {"case_id": "c-1"}, dedupe_key="c-1")
        await uow.commit()
    await eventually(
        lambda: stack.sql(
            "SELECT 1 FROM escalation.outbox WHERE type = $1 AND sent_at IS NOT NULL",
            DeadlineReachedV1.event_type,
        )
    )
    records = await read_topic(stack.settings.kafka_servers(), stack.topics(topics.CYCLE))
    reached = [
        orjson.loads(r.value)
        for r in records
        if orjson.loads(r.value)["type"] == DeadlineReachedV1.event_type
    ]
    assert [e["data"]["case_id"] for e in reached] == ["c-1"]
