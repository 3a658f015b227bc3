"""The audit log: append-only, hash-chained, one per service in its own schema.

Each row names who (actor, role) did what (action) to which object, when, from which
address, with what result. Row ``n`` stores ``hash = sha256(prev_hash ‖ row n)`` and
the previous row's hash, and sequence numbers have no gaps, so editing a row breaks
its hash, and deleting one breaks the sequence and the next row's ``prev_hash``:
``gridcase audit verify`` finds both. A trigger refuses UPDATE and DELETE outright;
the chain is what catches someone who goes around the trigger (a superuser).

Appends take a transaction-scoped advisory lock per schema, so concurrent writers
chain one after another; routine access records are batched by ``AuditWriter`` so the
lock is taken once per batch, not once per request. Rows older than
``audit_retention_days`` (≥ 6 months) are purged oldest first; the purge records the
last purged row's hash as the new anchor.

Limitation: removing the newest rows (the tail) leaves a valid shorter chain; export
the head hash to another system to catch that.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.logging import get_logger
from shared.messaging.errors import describe_error

_log = get_logger(__name__)

GENESIS = "0" * 64


def audit_tables(metadata: MetaData) -> tuple[Table, Table]:
    log = Table(
        "audit_log",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", Text, nullable=False),
        Column("role", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("object", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("result", Text, nullable=False),
        Column("prev_hash", Text, nullable=False),
        Column("hash", Text, nullable=False),
    )
    purges = Table(
        "audit_purges",
        metadata,
        Column("up_to_seq", BigInteger, primary_key=True, autoincrement=False),
        Column("last_hash", Text, nullable=False),
        Column("purged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return log, purges


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    role: str
    action: str
    object: str
    source: str
    result: str


def _digest(prev_hash: str, seq: int, at: datetime, entry: AuditEntry) -> str:
    body = orjson.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            entry.actor,
            entry.role,
            entry.action,
            entry.object,
            entry.source,
            entry.result,
        ]
    )
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


async def _lock(conn: AsyncConnection, schema: str) -> None:
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"gridcase.audit.{schema}"}
    )


async def _anchor(conn: AsyncConnection, purges: Table) -> tuple[int, str]:
    row = (
        await conn.execute(
            select(purges.c.up_to_seq, purges.c.last_hash)
            .order_by(purges.c.up_to_seq.desc())
            .limit(1)
        )
    ).first()
    return (int(row.up_to_seq), str(row.last_hash)) if row else (0, GENESIS)


async def append(conn: AsyncConnection, log: Table, purges: Table, entry: AuditEntry) -> int:
    """Add one row at the end of the chain, inside the caller's transaction."""
    return await append_many(conn, log, purges, [entry])


async def append_many(
    conn: AsyncConnection, log: Table, purges: Table, entries: list[AuditEntry]
) -> int:
    """Add rows at the end of the chain inside the caller's transaction: the lock is
    taken and the tail read once for the whole batch. Returns the last sequence number."""
    await _lock(conn, str(log.schema))
    last = (
        await conn.execute(select(log.c.seq, log.c.hash).order_by(log.c.seq.desc()).limit(1))
    ).first()
    seq, prev = (int(last.seq), str(last.hash)) if last else await _anchor(conn, purges)
    at = datetime.now(UTC)
    rows = []
    for entry in entries:
        seq += 1
        digest = _digest(prev, seq, at, entry)
        rows.append({"seq": seq, "at": at, "prev_hash": prev, "hash": digest, **entry.__dict__})
        prev = digest
    await conn.execute(log.insert(), rows)
    return seq


class AuditWriter:
    """Appends routine access records off the request path, in batches.

    Every authenticated call is recorded, so appending each in its own transaction
    made every request queue on the chain's lock, held through a commit (the bench
    showed intake's connections waiting on it). Here one task per process takes
    whatever has queued (up to ``max_batch``), appends it in one transaction, and goes
    again. The queue is bounded: when it is full, callers wait (backpressure), nothing
    is dropped. A failed write is retried until the database returns.

    What a crash (kill -9) loses is what had not been flushed yet: at most the last
    moments of routine access records. Records that must commit with the change itself
    (a full view of personal data, a sign-in) are written with ``append`` inside the
    handler's own transaction instead.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        log: Table,
        purges: Table,
        *,
        max_batch: int = 500,
        max_queue: int = 20_000,
    ):
        self._engine = engine
        self._log = log
        self._purges = purges
        self._max_batch = max_batch
        self._queue: asyncio.Queue[AuditEntry] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None

    async def submit(self, entry: AuditEntry) -> None:
        await self._queue.put(entry)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"audit-writer-{self._log.schema}")

    async def flush(self) -> None:
        """Wait until everything submitted so far is committed."""
        await self._queue.join()

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), timeout=10)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            while True:
                try:
                    async with self._engine.begin() as conn:
                        await append_many(conn, self._log, self._purges, batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    _log.error("audit_write_failed", rows=len(batch), error=describe_error(exc))
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
            backoff = 0.2
            for _ in batch:
                self._queue.task_done()


@dataclass(frozen=True)
class ChainReport:
    schema: str
    rows: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


async def verify(conn: AsyncConnection, log: Table, purges: Table) -> ChainReport:
    """Walk the chain from its anchor; every gap, broken link or altered row is a problem."""
    expected_seq, prev = await _anchor(conn, purges)
    problems: list[str] = []
    rows = 0
    result = await conn.stream(select(log).order_by(log.c.seq))
    async for row in result:
        rows += 1
        expected_seq += 1
        if row.seq != expected_seq:
            problems.append(f"rows {expected_seq}..{row.seq - 1} are missing (deleted)")
            expected_seq = row.seq
        if row.prev_hash != prev:
            problems.append(f"row {row.seq}: does not follow the previous row")
        entry = AuditEntry(row.actor, row.role, row.action, row.object, row.source, row.result)
        if _digest(row.prev_hash, row.seq, row.at, entry) != row.hash:
            problems.append(f"row {row.seq}: content does not match its hash (edited)")
        prev = row.hash
    return ChainReport(str(log.schema), rows, problems)


async def purge(conn: AsyncConnection, log: Table, purges: Table, keep: timedelta) -> int:
    """Delete rows older than ``keep`` (oldest first) and anchor the chain after them."""
    await _lock(conn, str(log.schema))
    last: Any = (
        await conn.execute(
            select(log.c.seq, log.c.hash)
            .where(log.c.at < datetime.now(UTC) - keep)
            .order_by(log.c.seq.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        return 0
    await conn.execute(text("SET LOCAL gridcase.audit_purge = 'on'"))
    deleted = await conn.execute(log.delete().where(log.c.seq <= last.seq))
    await conn.execute(purges.insert().values(up_to_seq=last.seq, last_hash=last.hash))
    return int(deleted.rowcount or 0)


def create_audit_tables_sql(schema: str) -> list[str]:
    """DDL for a service's migration: the tables and the append-only trigger."""
    return [
        f"""CREATE TABLE {schema}.audit_log (
            seq bigint PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL,
            role text NOT NULL, action text NOT NULL, object text NOT NULL,
            source text NOT NULL, result text NOT NULL, prev_hash text NOT NULL,
            hash text NOT NULL)""",
        f"CREATE INDEX ix_audit_log_at ON {schema}.audit_log (at)",
        f"""CREATE TABLE {schema}.audit_purges (
            up_to_seq bigint PRIMARY KEY, last_hash text NOT NULL,
            purged_at timestamptz NOT NULL DEFAULT now())""",
        f"""CREATE FUNCTION {schema}.audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('gridcase.audit_purge', true) = 'on' THEN
                RETURN OLD;
              END IF;
              RAISE EXCEPTION 'audit_log is append-only';
            END $$""",
        f"""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {schema}.audit_log
            FOR EACH ROW EXECUTE FUNCTION {schema}.audit_log_append_only()""",
    ]


def drop_audit_tables_sql(schema: str) -> list[str]:
    return [
        f"DROP TABLE {schema}.audit_log",
        f"DROP TABLE {schema}.audit_purges",
        f"DROP FUNCTION {schema}.audit_log_append_only()",
    ]
