"""Rate-limit counters shared by every process of a service, in its own schema.

``<schema>.rate_limits`` is an UNLOGGED table of fixed-window counters, one row per
(key, window): no WAL, so a counter costs little to bump, and a crash of the server
empties it, which only forgets the current minute's counts. One statement bumps every
key a process has gathered and returns the totals.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TABLE = "rate_limits"


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
    """Bump and read the counters of one schema's table."""

    def __init__(self, engine: Callable[[], AsyncEngine | None], schema: str):
        self._engine = engine
        self._bump = text(
            f"INSERT INTO {schema}.{TABLE} AS r (key, window_start, hits) "
            "SELECT k, :window_start, n FROM unnest(CAST(:keys AS text[]), CAST(:counts AS int[])) "
            "AS t(k, n) "
            "ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + excluded.hits "
            "RETURNING key, hits"
        )
        self._forget = text(f"DELETE FROM {schema}.{TABLE} WHERE window_start < :window_start")

    def _engine_or_fail(self) -> AsyncEngine:
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the service is not started")
        return engine

    async def bump(self, window_start: int, counts: dict[str, int]) -> dict[str, int]:
        """Add ``counts`` to the window's counters; every key's total after it."""
        async with self._engine_or_fail().begin() as conn:
            rows = await conn.execute(
                self._bump,
                {
                    "window_start": window_start,
                    "keys": list(counts),
                    "counts": list(counts.values()),
                },
            )
            return {row.key: int(row.hits) for row in rows}

    async def forget_before(self, window_start: int) -> None:
        """Drop the counters of windows that are over."""
        async with self._engine_or_fail().begin() as conn:
            await conn.execute(self._forget, {"window_start": window_start})
