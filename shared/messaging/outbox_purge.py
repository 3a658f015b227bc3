"""Retention for the outbox: sent rows older than ``GRIDCASE_OUTBOX_RETENTION_HOURS``
are deleted, in short batches, by every service for its own outbox.

- Only rows with ``sent_at`` set and older than the cut-off go; an unsent row is never
  touched, however old (it is waiting for Kafka).
- The purge walks the primary key in windows of ``batch`` consecutive ids, one
  statement and one short transaction per window, so it holds few locks for a short
  time and never scans more than a window at once. Rows another transaction holds
  (the relay marking a batch sent, another replica's purge) are skipped
  (``FOR UPDATE SKIP LOCKED``) and go at the next run: the purge never waits on the
  relay and the relay never waits more than one window on the purge.
- It stops at the first window holding a row created after the cut-off: ids grow with
  time, so everything beyond is younger. The next window starts at the next existing
  id, so a stuck unsent row or a long gap costs one index probe, not a walk.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.logging import get_logger
from shared.settings import GridcaseSettings

log = get_logger(__name__)


class _Tables(Protocol):
    @property
    def outbox(self) -> Table: ...


class _Runtime(Protocol):
    """What the periodic task needs of a service runtime."""

    @property
    def engine(self) -> AsyncEngine | None: ...

    @property
    def settings(self) -> GridcaseSettings: ...

    @property
    def tables(self) -> _Tables: ...


class OutboxPurge:
    """The statements for one service's outbox (built once)."""

    def __init__(self, outbox: Table):
        qualified = f"{outbox.schema}.{outbox.name}" if outbox.schema else outbox.name
        self._first_id = text(f"SELECT min(id) FROM {qualified} WHERE id >= :lo")
        self._window = text(
            f"""
            WITH window_rows AS (
                SELECT id, sent_at, created_at FROM {qualified}
                WHERE id >= :lo ORDER BY id LIMIT :batch
            ), doomed AS (
                SELECT o.id FROM {qualified} o
                WHERE o.id IN (
                    SELECT id FROM window_rows
                    WHERE sent_at IS NOT NULL AND sent_at < :cutoff
                )
                AND o.sent_at IS NOT NULL AND o.sent_at < :cutoff
                FOR UPDATE OF o SKIP LOCKED
            ), gone AS (
                DELETE FROM {qualified} o USING doomed d WHERE o.id = d.id RETURNING o.id
            )
            SELECT (SELECT count(*) FROM gone) AS purged,
                   (SELECT max(id) FROM window_rows) AS last_id,
                   coalesce((SELECT bool_or(created_at >= :cutoff) FROM window_rows), false)
                       AS reached_recent
            """
        )

    async def run(self, engine: AsyncEngine, cutoff: datetime, batch: int) -> int:
        """Delete sent rows older than ``cutoff``; the number deleted."""
        purged = 0
        lo = 0
        while True:
            async with engine.begin() as conn:
                first = await conn.scalar(self._first_id, {"lo": lo})
                if first is None:
                    break
                row = (
                    await conn.execute(
                        self._window, {"lo": first, "batch": batch, "cutoff": cutoff}
                    )
                ).one()
            purged += int(row.purged)
            if row.last_id is None or row.reached_recent:
                break
            lo = int(row.last_id) + 1
            # Let the service's requests, relay and consumers run between windows.
            await asyncio.sleep(0)
        return purged


async def purge_sent_outbox(runtime: _Runtime) -> None:
    """The periodic task every service runs (``shared.runtime``)."""
    if runtime.engine is None:
        return
    settings = runtime.settings
    cutoff = datetime.now(UTC) - timedelta(hours=settings.outbox_retention_hours)
    purged = await OutboxPurge(runtime.tables.outbox).run(
        runtime.engine, cutoff, settings.outbox_purge_batch
    )
    if purged:
        log.info("outbox_purged", rows=purged, older_than=cutoff.isoformat())
