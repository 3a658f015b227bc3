"""Audit retention: rows past it are purged, the chain stays verifiable from its new
anchor, and a retention under six months is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from shared.audit import GENESIS, AuditEntry, _digest, append, purge, verify
from shared.db.engine import create_engine
from shared.settings import MIN_AUDIT_RETENTION_DAYS, GridcaseSettings
from tests.harness import Stack


def _entry(actor: str) -> AuditEntry:
    return AuditEntry(actor, "mediator", "GET /cases", "-", "127.0.0.1", "200")


def _old_rows(ages_days: list[int]) -> list[dict[str, Any]]:
    """A chain from genesis written ``ages_days`` ago (append stamps the present time),
    each row hashed exactly as ``append`` would have hashed it then."""
    now = datetime.now(UTC)
    rows, prev = [], GENESIS
    for seq, days in enumerate(ages_days, 1):
        at, entry = now - timedelta(days=days), _entry(f"old-{seq}")
        digest = _digest(prev, seq, at, entry)
        rows.append({"seq": seq, "at": at, "prev_hash": prev, "hash": digest, **entry.__dict__})
        prev = digest
    return rows


async def test_purge_drops_rows_past_retention_and_the_chain_still_verifies(
    stack: Stack,
) -> None:
    tables = stack.runtime("mediation").tables
    log, purges = tables.audit_log, tables.audit_purges
    keep = timedelta(days=400)  # the default GRIDCASE_AUDIT_RETENTION_DAYS
    engine = create_engine(stack.settings.database_url_for("mediation"), pool_size=1)
    try:
        old = _old_rows([500, 450, 200])  # two past retention, one within it
        async with engine.begin() as conn:
            await conn.execute(log.insert(), old)
            assert await append(conn, log, purges, _entry("today")) == 4
        async with engine.connect() as conn:
            before = await verify(conn, log, purges)
        assert before.intact and before.rows == 4, before.problems

        async with engine.begin() as conn:
            assert await purge(conn, log, purges, keep) == 2
        seqs = await stack.sql("SELECT seq, actor FROM mediation.audit_log ORDER BY seq")
        assert [(r["seq"], r["actor"]) for r in seqs] == [(3, "old-3"), (4, "today")]
        anchors = await stack.sql("SELECT up_to_seq, last_hash FROM mediation.audit_purges")
        assert [tuple(a) for a in anchors] == [(2, old[1]["hash"])]
        async with engine.connect() as conn:
            after = await verify(conn, log, purges)
        assert after.intact and after.rows == 2, after.problems

        # Nothing more is old enough; the chain goes on from where it was.
        async with engine.begin() as conn:
            assert await purge(conn, log, purges, keep) == 0
            assert await append(conn, log, purges, _entry("later")) == 5
        async with engine.connect() as conn:
            assert (await verify(conn, log, purges)).intact

        # Purging is the only way rows leave: a plain DELETE is refused ...
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await stack.sql("DELETE FROM mediation.audit_log WHERE seq = 3")
        # ... and the anchor makes the new oldest row checkable: removing it around the
        # trigger is caught, as it would be anywhere else in the chain.
        conn2 = await asyncpg.connect(stack.database_url)
        try:
            await conn2.execute("SET session_replication_role = replica")
            await conn2.execute("DELETE FROM mediation.audit_log WHERE seq = 3")
        finally:
            await conn2.close()
        async with engine.connect() as conn:
            tampered = await verify(conn, log, purges)
        assert "rows 3..3 are missing (deleted)" in tampered.problems
        assert "row 4: does not follow the previous row" in tampered.problems
    finally:
        await engine.dispose()


def test_retention_under_six_months_is_refused_and_six_months_accepted() -> None:
    assert MIN_AUDIT_RETENTION_DAYS == 183
    with pytest.raises(ValueError, match="at least 183"):
        GridcaseSettings(audit_retention_days=182)
    assert GridcaseSettings(audit_retention_days=183).audit_retention_days == 183
