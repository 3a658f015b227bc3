"""Outbox retention: sent rows past ``GRIDCASE_OUTBOX_RETENTION_HOURS`` are purged in
batches by every service; unsent rows and recently sent rows never are, and a row
another transaction holds is skipped rather than waited for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from gridcase.services import SERVICES
from shared.messaging.outbox_purge import OutboxPurge
from tests.harness import Stack, eventually

pytestmark = pytest.mark.integration


async def _fill(stack: Stack, schema: str, rows: list[tuple[str, str | None]]) -> None:
    """Outbox rows in id order, each ``(created_at offset, sent_at offset or None)``
    as PostgreSQL intervals before now."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        for n, (created, sent) in enumerate(rows):
            await conn.execute(
                f"INSERT INTO {schema}.outbox (event_id, topic, key, type, envelope, "  # noqa: S608
                "created_at, sent_at) VALUES ($1, 't', 'k', 'x', '{}', "
                "now() - $2::text::interval, now() - $3::text::interval)",
                f"e{n}",
                created,
                sent,
            )
    finally:
        await conn.close()


async def _left(stack: Stack, schema: str) -> list[str]:
    rows = await stack.sql(f"SELECT event_id FROM {schema}.outbox ORDER BY id")  # noqa: S608
    return [r["event_id"] for r in rows]


async def test_purge_removes_only_sent_rows_past_retention_never_unsent_or_recent(
    stack: Stack,
) -> None:
    runtime = stack.runtime("intake")
    await runtime.start(consumers=False, relay=False)
    # A stuck unsent row first, then old sent rows across several windows, an old
    # unsent row among them, then recent rows (sent and unsent).
    rows: list[tuple[str, str | None]] = [("10 days", None)]
    rows += [("5 days", "5 days")] * 23
    rows += [("4 days", None)]
    rows += [("4 days", "4 days")] * 9
    rows += [("2 hours", "2 hours"), ("1 hour", None), ("1 second", "1 second")]
    await _fill(stack, "intake", rows)
    assert runtime.engine is not None
    cutoff = datetime.now(UTC) - timedelta(hours=72)

    purged = await OutboxPurge(runtime.tables.outbox).run(runtime.engine, cutoff, batch=5)

    assert purged == 32
    assert await _left(stack, "intake") == ["e0", "e24", "e34", "e35", "e36"]
    # Nothing more to do: a second run deletes nothing.
    assert await OutboxPurge(runtime.tables.outbox).run(runtime.engine, cutoff, batch=5) == 0


async def test_purge_skips_a_row_another_transaction_holds_instead_of_waiting(
    stack: Stack,
) -> None:
    runtime = stack.runtime("routing")
    await runtime.start(consumers=False, relay=False)
    await _fill(stack, "routing", [("5 days", "5 days")] * 6)
    holder = await asyncpg.connect(stack.database_url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT 1 FROM routing.outbox WHERE event_id = 'e2' FOR UPDATE")
        assert runtime.engine is not None
        purge = OutboxPurge(runtime.tables.outbox)
        cutoff = datetime.now(UTC) - timedelta(hours=1)
        purged = await asyncio.wait_for(purge.run(runtime.engine, cutoff, batch=4), 10)
        assert purged == 5
        assert await _left(stack, "routing") == ["e2"]
        await transaction.rollback()
        assert await purge.run(runtime.engine, cutoff, batch=4) == 1
    finally:
        await holder.close()


async def test_every_service_purges_its_outbox_periodically_with_the_configured_retention(
    stack: Stack,
) -> None:
    stack.settings.outbox_purge_interval_s = 0.05
    stack.settings.outbox_retention_hours = 48
    for service in SERVICES:
        await _fill(
            stack, service.name, [("3 days", "3 days"), ("1 day", "1 day"), ("5 days", None)]
        )
    await stack.start(consumers=False, relay=False)
    for service in SERVICES:
        names = [t.get_name() for t in stack.runtime(service.name)._periodic_tasks]
        assert f"{service.name}-purge-sent-outbox" in names

        async def purged(schema: str = service.name) -> bool:
            return await _left(stack, schema) == ["e1", "e2"]

        await eventually(purged, timeout=10)
