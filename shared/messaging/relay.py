"""The outbox relay: publishes committed outbox rows to Kafka and marks them sent.

- Wakes on ``LISTEN <schema>_outbox`` (the unit of work NOTIFYs at commit) and polls
  every ``poll_interval_s`` in case a notification was missed or the listener dropped.
- Claims a batch with ``FOR UPDATE SKIP LOCKED`` so several replicas can run, but only
  rows with no earlier unsent row for the same key: one key's events leave in order,
  whichever replica holds them.
- Publishes with ``acks=all`` and the idempotent producer, waits for every ack, then
  marks the rows sent in the same transaction that locked them. A crash between the
  acks and the commit republishes the batch; consumers' inboxes absorb the duplicate.
- A broker outage only delays: the transaction rolls back, the rows stay unsent, and
  the relay retries with back-off. Users' requests never wait on Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import plain_url
from shared.db.tables import outbox_channel
from shared.events.envelope import STRUCTURED_CONTENT_TYPE
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISH_ERRORS, OUTBOX_PUBLISHED

log = get_logger(__name__)

_HEADERS = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


def build_producer(bootstrap: str, **overrides: Any) -> AIOKafkaProducer:
    """The producer every GridCase publisher uses: acks=all, idempotent, ordered per key."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 2,
        "request_timeout_ms": 10000,
        "retry_backoff_ms": 200,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        database_url: str,
        outbox: Table,
        bootstrap: str,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        after_publish: Callable[[list[int]], Awaitable[None]] | None = None,
    ):
        self.service = service
        OUTBOX_PUBLISH_ERRORS.labels(service)  # exposed at 0 from the start
        self._engine = engine
        self._database_url = plain_url(database_url)
        self._outbox = outbox
        self._bootstrap = bootstrap
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        # Test seam: runs after Kafka acked a batch and before it is marked sent.
        self._after_publish = after_publish
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._producer: AIOKafkaProducer | None = None
        schema = outbox.schema
        assert schema, "the outbox table must live in a service schema"
        self._schema = schema
        # The schema is a code constant of the owning service, never user input.
        qualified = f'"{schema}".outbox'
        self._claim_sql = text(
            f"""
            SELECT o.id, o.topic, o.key, o.envelope::text AS envelope
            FROM {qualified} o
            WHERE o.sent_at IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM {qualified} e
                WHERE e.sent_at IS NULL AND e.key = o.key AND e.id < o.id
              )
            ORDER BY o.id
            LIMIT :limit
            FOR UPDATE OF o SKIP LOCKED
            """
        )
        self._mark_sql = text(
            f"UPDATE {qualified} SET sent_at = now(), attempts = attempts + 1, last_error = NULL "
            "WHERE id = ANY(:ids)"
        )
        self._backlog_sql = text(f"SELECT count(*) FROM {qualified} WHERE sent_at IS NULL")

    async def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay"),
            asyncio.create_task(self._listen(), name=f"{self.service}-outbox-listen"),
        ]

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self._close_producer()

    def wake(self) -> None:
        self._wake.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = build_producer(self._bootstrap)
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                published = await self.publish_once()
                backoff = 0.2
                if published >= self._batch_size:
                    await self._record_backlog()
                    continue  # more waiting: go again at once
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                await self._record_backlog()
                log.warning("outbox_publish_failed", error=describe_error(exc), retry_in_s=backoff)
                if isinstance(exc, KafkaError | OSError | TimeoutError):
                    await self._close_producer()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            await self._wait_for_work()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
        self._wake.clear()

    async def publish_once(self) -> int:
        """Publish one batch; returns how many events were published and marked sent."""
        async with self._engine.connect() as conn, conn.begin():
            rows = (await conn.execute(self._claim_sql, {"limit": self._batch_size})).all()
            if not rows:
                OUTBOX_BACKLOG.labels(self.service).set(0)
                return 0
            producer = await self._ensure_producer()
            futures = []
            for row in rows:
                futures.append(
                    await producer.send(
                        row.topic,
                        # As stored: parsing and re-encoding would give the same event.
                        value=row.envelope.encode(),
                        key=row.key.encode(),
                        headers=_HEADERS,
                    )
                )
            await asyncio.wait_for(asyncio.gather(*futures), timeout=30)
            ids = [row.id for row in rows]
            if self._after_publish is not None:
                await self._after_publish(ids)
            await conn.execute(self._mark_sql, {"ids": ids})
        for row in rows:
            OUTBOX_PUBLISHED.labels(self.service, row.topic).inc()
        if len(rows) < self._batch_size:
            OUTBOX_BACKLOG.labels(self.service).set(0)
        return len(rows)

    async def _record_backlog(self) -> None:
        """``gridcase_outbox_backlog`` when rows are left behind: after a failed publish
        (Kafka away) and after a full batch. An empty claim sets it to 0 without a count."""
        with contextlib.suppress(Exception):  # the database may be the one that is away
            OUTBOX_BACKLOG.labels(self.service).set(await self.backlog())

    async def backlog(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(self._backlog_sql)).scalar_one())

    async def _listen(self) -> None:
        """Hold a LISTEN connection; reconnect after failures. Polling covers any gap."""
        channel = outbox_channel(self._schema)
        while not self._stopping.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._database_url)
                await conn.add_listener(channel, lambda *_: self._wake.set())
                self._wake.set()  # anything committed while we were not listening
                await self._stopping.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_listen_failed", error=describe_error(exc))
                await self._sleep(2.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
