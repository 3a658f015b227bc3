"""Rate-limit counters shared by every process of a service, in its own schema.

``<schema>.rate_limits`` is an UNLOGGED table of fixed-window counters, one row per
(key, window): no WAL, so a counter costs little to bump, and a crash of the server
empties it, which only forgets the current minute's counts. One statement bumps every
key a process has gathered and returns the totals.

The statement runs on a connection of its own (asyncpg, prepared once, autocommit),
not through the service's pool: checking a connection out of the pool (with its
liveness ping) and SQLAlchemy's execution layers cost 250–500 µs of CPU per check on
the development machine, the bare prepared statement about 25 µs
(``python -m bench.rate_limit_bench``). The connection follows the service's engine:
it is opened on first use, reopened after an error or when the engine changes, and
closed after a minute without checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import plain_url

TABLE = "rate_limits"
IDLE_CLOSE_S = 60.0


def create_rate_limits_sql(schema: str) -> str:
    """The migration's DDL (``op.execute``), one definition for every service."""
    return (
        f"CREATE UNLOGGED TABLE {schema}.{TABLE} ("
        " key text NOT NULL,"
        " window_start bigint NOT NULL,"
        " hits integer NOT NULL,"
        " PRIMARY KEY (key, window_start))"
    )


def drop_rate_limits_sql(schema: str) -> str:
    return f"DROP TABLE {schema}.{TABLE}"


class RateLimitCounters:
    """Bump and read the counters of one schema's table. Statements take turns on the
    one connection (the limiter keeps at most one in flight anyway)."""

    def __init__(self, engine: Callable[[], AsyncEngine | None], schema: str):
        self._engine = engine
        self._bump_sql = (
            f"INSERT INTO {schema}.{TABLE} AS r (key, window_start, hits) "
            "SELECT k, $1, n FROM unnest($2::text[], $3::int[]) AS t(k, n) "
            "ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + excluded.hits "
            "RETURNING key, hits"
        )
        self._forget_sql = f"DELETE FROM {schema}.{TABLE} WHERE window_start < $1"
        self._conn: Any = None
        self._bound_to: AsyncEngine | None = None
        self._statement: Any = None
        self._idle: asyncio.TimerHandle | None = None
        self._turn = asyncio.Lock()
        self._closing: asyncio.Task[None] | None = None

    async def _connection(self) -> Any:
        engine = self._engine()
        if engine is None:
            await self.close()
            raise RuntimeError("the service is not started")
        if self._conn is not None and (self._bound_to is not engine or self._conn.is_closed()):
            await self.close()
        if self._conn is None:
            url = plain_url(engine.url.render_as_string(hide_password=False))
            self._conn = await asyncpg.connect(url)
            self._bound_to = engine
            self._statement = await self._conn.prepare(self._bump_sql)
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(IDLE_CLOSE_S, self._close_soon)
        return self._conn

    def _close_soon(self) -> None:
        self._idle = None
        # Kept until done: the loop holds only a weak reference to a task.
        self._closing = asyncio.get_running_loop().create_task(self.close())

    async def close(self) -> None:
        conn, self._conn, self._statement, self._bound_to = self._conn, None, None, None
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=2)
            except Exception:
                conn.terminate()

    async def bump(self, window_start: int, counts: dict[str, int]) -> dict[str, int]:
        """Add ``counts`` to the window's counters; every key's total after it."""
        async with self._turn:
            try:
                await self._connection()
                rows = await self._statement.fetch(
                    window_start, list(counts), list(counts.values())
                )
            except Exception:
                await self.close()
                raise
        return {row["key"]: int(row["hits"]) for row in rows}

    async def forget_before(self, window_start: int) -> None:
        """Drop the counters of windows that are over."""
        async with self._turn:
            try:
                conn = await self._connection()
                await conn.execute(self._forget_sql, window_start)
            except Exception:
                await self.close()
                raise
